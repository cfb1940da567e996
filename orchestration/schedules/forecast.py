"""The forecast retrains every Monday morning, after the week that just ended."""

from __future__ import annotations

import dagster as dg

from fitelt.settings import Settings
from orchestration.jobs.forecast import forecast_job

knn_forecast_weekly = dg.ScheduleDefinition(
    name="knn_forecast_weekly",
    job=forecast_job,
    cron_schedule="0 5 * * 1",  # Mondays 05:00, after the week that just ended
    execution_timezone=Settings.from_env().default_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
