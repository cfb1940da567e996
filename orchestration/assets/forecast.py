"""The weekly-retrained KNN forecast: models on disk, scenario tables in marts."""

import dagster as dg

from orchestration.resources.warehouse import WarehouseResource

TRAINING_WEEKS = dg.AssetKey(["marts", "ml_training_weeks"])
WEIGHT_DAILY = dg.AssetKey(["marts", "weight_daily"])


@dg.asset(
    deps=[TRAINING_WEEKS, WEIGHT_DAILY],
    group_name="forecast",
    kinds={"scikitlearn", "postgres"},
    automation_condition=dg.AutomationCondition.eager(),
)
def knn_forecast_models(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Retrain per-athlete KNN forecasts of weight and fat ratio and write their scenarios."""
    from fitelt.forecast.retrain import retrain_all  # pandas + scikit-learn: only when it runs

    report = retrain_all(warehouse.warehouse().admin, warehouse.settings.models_dir)
    if report.status:
        context.log.warning(report.status)
        return dg.MaterializeResult(metadata={"status": report.status})
    metadata: dict[str, dg.MetadataValue] = {
        key: dg.MetadataValue.json(summary) for key, summary in report.summaries.items()
    }
    metadata["scenario_rows"] = dg.MetadataValue.int(report.scenario_rows)
    return dg.MaterializeResult(metadata=metadata)
