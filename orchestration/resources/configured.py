"""Every resource of the code location, configured once from the environment (`dg.EnvVar`)."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_dlt import DagsterDltResource

from fitelt.settings import dbt_executable
from orchestration.assets.dbt import dbt_project
from orchestration.resources.live_streams import (
    BikeLogApiResource,
    FootSensorApiResource,
    MailResource,
)
from orchestration.resources.vendor_apis import (
    OuraApiResource,
    SheetsApiResource,
    StravaApiResource,
    WithingsApiResource,
)
from orchestration.resources.warehouse import WarehouseResource


def _optional_env(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def configured_resources() -> dict[str, Any]:
    """Resources by key; unset vendor credentials leave that API mode off."""
    return {
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
        "oura_api": OuraApiResource(
            client_id=_optional_env("OURA_CLIENT_ID"),
            client_secret=_optional_env("OURA_CLIENT_SECRET"),
            base_url=_optional_env("OURA_API_BASE") or "https://api.ouraring.com",
        ),
        "sheets_api": SheetsApiResource(
            api_key=_optional_env("GOOGLE_SHEETS_API_KEY"),
            spreadsheet_id=_optional_env("GOOGLE_SHEETS_SPREADSHEET_ID"),
            range=_optional_env("GOOGLE_SHEETS_RANGE") or "A:I",
            base_url=_optional_env("GOOGLE_SHEETS_API_BASE") or "https://sheets.googleapis.com",
            athlete_id=_optional_env("GOOGLE_SHEETS_ATHLETE_ID"),
        ),
        "dlt": DagsterDltResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        # The live streams' URLs and SMTP settings are read from the environment when used.
        "foot_sensor_api": FootSensorApiResource(),
        "bike_api": BikeLogApiResource(),
        "mail": MailResource(),
    }
