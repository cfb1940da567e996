"""Oura sleep periods and daily readiness from the API, when configured (no export files)."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.oura import READINESS_HINTS, SLEEP_HINTS, oura_source
from orchestration.lib.retries import retry_transient
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.vendor_apis import OuraApiResource
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "oura"


@dlt_assets(
    dlt_source=oura_source(),
    dlt_pipeline=dlt.pipeline(pipeline_name=SOURCE, destination="postgres", dataset_name="raw"),
    name=SOURCE,
    dagster_dlt_translator=SourceTableTranslator(),
    op_tags={"fitelt/source": SOURCE},
)
def oura_assets(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    oura_api: OuraApiResource,
) -> Iterator[Any]:
    """Load Oura (API) into raw.oura_sleep and raw.oura_daily_readiness."""
    with retry_transient(context):  # e.g. the warehouse restarting
        clients = oura_api.clients(warehouse)
    yield from load_source(
        context,
        dlt,
        warehouse,
        name=SOURCE,
        make_source=lambda _files: oura_source(clients=clients),  # no export files exist
        accounts=clients,
        table_hints=[SLEEP_HINTS, READINESS_HINTS],
    )
