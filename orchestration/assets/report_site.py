"""The Evidence report site, rebuilt from the marts and published atomically."""

import dagster as dg

from fitelt.site.build import ReportBuildError, build_site
from fitelt.site.required_marts import missing_marts, required_marts
from orchestration.assets.dbt import dbt_models
from orchestration.assets.forecast import knn_forecast_models
from orchestration.resources.warehouse import WarehouseResource

MART_KEYS = sorted((key for key in dbt_models.keys if key.path[0] == "marts"), key=str)
# The forecast's tables (marts.model_runs, forecast_scenarios, forecast_neighbours) are written
# by knn_forecast_models, not dbt.
DEPS = [*MART_KEYS, knn_forecast_models.key]


@dg.asset(
    deps=DEPS,
    group_name="reports",
    kinds={"evidence"},
    automation_condition=dg.AutomationCondition.eager(),
    op_tags={"fitelt/source": "report_site"},
)
def report_site(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.Output:
    """Build the Evidence site (sources + build:strict) and swap it in as the served release."""
    from fitelt.forecast.store import ensure_tables  # pandas: only when it runs

    settings = warehouse.settings
    resolved = warehouse.warehouse()
    # The Forecast page reads the forecast's tables: before the first training they do not exist
    # and `npm run sources --strict` would fail, so create them (empty) as the forecast would.
    ensure_tables(resolved.admin)
    reader = resolved.reader
    missing = missing_marts(resolved.admin.dsn(), required_marts(settings.reports_dir))
    if missing:
        raise dg.Failure(
            description=(
                f"the report reads marts that do not exist yet: {', '.join(missing)}. "
                "Materialise them first (the Dagster UI, or `fitelt materialize`)."
            )
        )
    conn = {
        "host": reader.host,
        "port": str(reader.port),
        "database": reader.dbname,
        "user": reader.user,
        "password": reader.password or "x",
    }
    try:
        release = build_site(conn, settings.site_dir, settings.reports_dir, context.log)
    except ReportBuildError as exc:
        raise dg.Failure(description=str(exc)) from exc
    if settings.site_releases_store is not None:  # a site server elsewhere follows the store
        from fitelt.site.remote_releases import upload_release

        upload_release(release, settings.site_releases_store, context.log)
    pages = sorted(p.parent.name or "/" for p in release.rglob("index.html"))
    return dg.Output(
        None,
        metadata={
            "release": dg.MetadataValue.path(str(release)),
            "pages": dg.MetadataValue.int(len(pages)),
            "page_paths": dg.MetadataValue.text(", ".join(pages)),
        },
    )
