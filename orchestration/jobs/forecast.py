"""The forecast's weekly retrain: a job selecting knn_forecast_models and its Monday schedule.

Re-runs when the input marts update come from the asset's eager() automation condition,
evaluated by the project's `fitelt_automation` sensor (definitions.py).
"""

from __future__ import annotations

import dagster as dg

from fitelt.settings import Settings
from orchestration.assets.forecast import knn_forecast_models

forecast_job = dg.define_asset_job(
    name="knn_forecast",
    selection=dg.AssetSelection.assets(knn_forecast_models),
    description="Retrain the KNN weight/fat forecasts and rewrite their scenario tables.",
)

knn_forecast_weekly = dg.ScheduleDefinition(
    name="knn_forecast_weekly",
    job=forecast_job,
    cron_schedule="0 5 * * 1",  # Mondays 05:00, after the week that just ended
    execution_timezone=Settings.from_env().default_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
