"""The forecast's retrain job, selecting knn_forecast_models (scheduled weekly).

Re-runs when the input marts update come from the asset's eager() automation condition,
evaluated by the project's `fitelt_automation` sensor (definitions.py).
"""

from __future__ import annotations

import dagster as dg

from orchestration.assets.forecast import knn_forecast_models

forecast_job = dg.define_asset_job(
    name="knn_forecast",
    selection=dg.AssetSelection.assets(knn_forecast_models),
    description="Retrain the KNN weight/fat forecasts and rewrite their scenario tables.",
)
