"""The Dagster code location: assets, checks, jobs, schedules, sensors and resources."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from fitelt.settings import dbt_executable
from orchestration.assets.crossfit import crossfit_assets
from orchestration.assets.dbt import dbt_models, dbt_project
from orchestration.assets.forecast import knn_forecast_models
from orchestration.assets.report_site import report_site
from orchestration.assets.strava import strava_assets
from orchestration.assets.withings import withings_assets
from orchestration.jobs.backup import backup_daily, backup_job
from orchestration.jobs.forecast import forecast_job, knn_forecast_weekly
from orchestration.jobs.sources import SCHEDULES, SOURCE_JOBS
from orchestration.live_registry import (
    LIVE_ASSETS,
    LIVE_JOBS,
    LIVE_SCHEDULES,
    LIVE_SENSORS,
    live_resources,
)
from orchestration.resources.vendor_apis import SheetsApiResource, StravaApiResource
from orchestration.resources.warehouse import WarehouseResource, WithingsApiResource
from orchestration.sensors.inbox import SENSORS


def _optional_env(name: str) -> dg.EnvVar | None:
    import os

    return dg.EnvVar(name) if os.environ.get(name) else None


defs = dg.Definitions(
    assets=[
        withings_assets,
        strava_assets,
        crossfit_assets,
        dbt_models,
        report_site,
        knn_forecast_models,
        *LIVE_ASSETS,
    ],
    jobs=[*SOURCE_JOBS.values(), forecast_job, *LIVE_JOBS, backup_job],
    schedules=[*SCHEDULES, knn_forecast_weekly, *LIVE_SCHEDULES, backup_daily],
    sensors=[
        *SENSORS,
        *LIVE_SENSORS,
        dg.AutomationConditionSensorDefinition(
            "fitelt_automation",
            target=dg.AssetSelection.all(),
            default_status=dg.DefaultSensorStatus.RUNNING,
        ),
    ],
    resources={
        "warehouse": WarehouseResource(),
        "withings_api": WithingsApiResource(
            client_id=_optional_env("WITHINGS_CLIENT_ID"),
            client_secret=_optional_env("WITHINGS_CLIENT_SECRET"),
            base_url=_optional_env("WITHINGS_API_BASE") or "https://wbsapi.withings.net",
        ),
        "strava_api": StravaApiResource(
            client_id=_optional_env("STRAVA_CLIENT_ID"),
            client_secret=_optional_env("STRAVA_CLIENT_SECRET"),
            base_url=_optional_env("STRAVA_API_BASE") or "https://www.strava.com",
        ),
        "sheets_api": SheetsApiResource(
            api_key=_optional_env("GOOGLE_SHEETS_API_KEY"),
            spreadsheet_id=_optional_env("GOOGLE_SHEETS_SPREADSHEET_ID"),
            range=_optional_env("GOOGLE_SHEETS_RANGE") or "A:G",
            base_url=_optional_env("GOOGLE_SHEETS_API_BASE") or "https://sheets.googleapis.com",
            athlete_id=_optional_env("GOOGLE_SHEETS_ATHLETE_ID"),
        ),
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        **live_resources(),
    },
)
