"""The Dagster code location: every asset, job, schedule, sensor and resource, assembled."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.activity_files import activity_files_assets
from orchestration.assets.apple_health import apple_health_assets
from orchestration.assets.bike_alerts import bikes_hr_alerts
from orchestration.assets.bike_daily_report import bikes_daily_report
from orchestration.assets.bikes import bikes_assets
from orchestration.assets.crossfit import crossfit_assets
from orchestration.assets.dbt import dbt_models
from orchestration.assets.foot_sensors import foot_sensor_assets
from orchestration.assets.forecast import knn_forecast_models
from orchestration.assets.oura import oura_assets
from orchestration.assets.report_site import report_site
from orchestration.assets.strava import strava_assets
from orchestration.assets.training_alerts import training_alerts
from orchestration.assets.withings import withings_assets
from orchestration.jobs.backup import backup_job
from orchestration.jobs.forecast import forecast_job
from orchestration.jobs.live_streams import LIVE_JOBS
from orchestration.jobs.sources import SOURCE_JOBS
from orchestration.resources.configured import configured_resources
from orchestration.schedules.backup import backup_daily
from orchestration.schedules.forecast import knn_forecast_weekly
from orchestration.schedules.live_streams import LIVE_SCHEDULES
from orchestration.schedules.sources import SCHEDULES
from orchestration.sensors.automation import automation_sensor
from orchestration.sensors.inbox import SENSORS
from orchestration.sensors.live_streams import LIVE_SENSORS

defs = dg.Definitions(
    assets=[
        withings_assets,
        strava_assets,
        crossfit_assets,
        activity_files_assets,
        oura_assets,
        apple_health_assets,
        dbt_models,
        report_site,
        knn_forecast_models,
        foot_sensor_assets,
        bikes_assets,
        bikes_hr_alerts,
        bikes_daily_report,
        training_alerts,
    ],
    jobs=[*SOURCE_JOBS.values(), forecast_job, *LIVE_JOBS, backup_job],
    schedules=[*SCHEDULES, knn_forecast_weekly, *LIVE_SCHEDULES, backup_daily],
    sensors=[*SENSORS, *LIVE_SENSORS, automation_sensor],
    resources=configured_resources(),
)
