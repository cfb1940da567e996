"""The Evidence report site, rebuilt from the marts and published atomically."""

import dagster as dg

from ..report.build import ReportBuildError, build_site
from ..resources import WarehouseResource
from .dbt import dbt_models

MART_KEYS = sorted((key for key in dbt_models.keys if key.path[0] == "marts"), key=str)


@dg.asset(
    deps=MART_KEYS,
    group_name="reports",
    kinds={"evidence"},
    automation_condition=dg.AutomationCondition.eager(),
    op_tags={"fitelt/source": "report_site"},
)
def report_site(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.Output:
    """Build the Evidence site (sources + build:strict) and swap it in as the served release."""
    settings = warehouse.settings
    reader = warehouse.warehouse().reader
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
    pages = sorted(p.parent.name or "/" for p in release.rglob("index.html"))
    return dg.Output(
        None,
        metadata={
            "release": dg.MetadataValue.path(str(release)),
            "pages": dg.MetadataValue.int(len(pages)),
        },
    )
