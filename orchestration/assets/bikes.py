"""Bike telemetry: the log endpoint read from the last offset into riders, rides and seconds."""

from collections.abc import Iterator

import dagster as dg

from dlt_sources.bikes import BIKES_HINTS, bikes_source
from dlt_sources.bikes.deleted import deleted_ride_ids
from dlt_sources.bikes.settings import SOURCE
from dlt_sources.common.tables import ensure_tables

from ..live.resources import BikeLogApiResource
from ..resources import WarehouseResource
from .loading import load_metadata
from .run_log import source_logs_in_run_log

TABLES = {
    "riders": "Riders from the [SYSTEM] lines, merged on user_id.",
    "rides": "One row per ride with running summary metrics, merged on ride_id.",
    "ride_seconds": "One row per ride second (Ride + Telemetry lines combined).",
}
SPECS = [
    dg.AssetSpec([SOURCE, table], group_name=SOURCE, kinds={"dlt", "postgres"}, description=text)
    for table, text in TABLES.items()
]


@dg.multi_asset(specs=SPECS, name=SOURCE, can_subset=False, op_tags={"fitelt/source": SOURCE})
def bikes_assets(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    bike_api: BikeLogApiResource,
) -> Iterator[dg.MaterializeResult]:
    """Load the new log lines (offset kept in dlt state) into raw.bikes_*."""
    client = bike_api.client()
    if client is None:
        context.log.info("FITELT_BIKES_API is not set: nothing to read")
    elif client.probe() is None:
        context.log.warning("bike log endpoint %s is unreachable: nothing read", client.base_url)
        client = None
    pipeline = warehouse.pipeline(SOURCE)
    deleted = deleted_ride_ids(warehouse.warehouse().admin.dsn()) if client else frozenset()
    with source_logs_in_run_log(context, "dlt_sources.bikes"):
        info = pipeline.run(bikes_source(client, deleted))
    ensure_tables(pipeline, *BIKES_HINTS)  # staging views need the tables before the first ride
    metadata = load_metadata(warehouse, SOURCE)
    metadata["load_packages"] = dg.MetadataValue.int(len(info.loads_ids))
    for table in TABLES:
        yield dg.MaterializeResult(asset_key=[SOURCE, table], metadata=metadata)
