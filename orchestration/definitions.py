"""The Dagster code location: assets, checks, jobs, schedules, sensors and resources."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from .assets.dbt import dbt_models, dbt_project
from .assets.withings import withings_assets
from .resources import WarehouseResource, WithingsApiResource
from .schedules import SCHEDULES, SOURCE_JOBS
from .sensors import SENSORS
from .settings import dbt_executable


def _optional_env(name: str) -> dg.EnvVar | None:
    import os

    return dg.EnvVar(name) if os.environ.get(name) else None


defs = dg.Definitions(
    assets=[withings_assets, dbt_models],
    jobs=list(SOURCE_JOBS.values()),
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={
        "warehouse": WarehouseResource(),
        "withings_api": WithingsApiResource(
            client_id=_optional_env("WITHINGS_CLIENT_ID"),
            client_secret=_optional_env("WITHINGS_CLIENT_SECRET"),
            base_url=_optional_env("WITHINGS_API_BASE") or "https://wbsapi.withings.net",
        ),
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
)
