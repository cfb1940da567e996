"""Withings measures: export files from the inbox and, when configured, the Measure API."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.withings import MEASURES_HINTS, withings_source
from orchestration.lib.retries import retry_transient
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.vendor_apis import WithingsApiResource
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "withings"


@dlt_assets(
    dlt_source=withings_source(),
    dlt_pipeline=dlt.pipeline(pipeline_name=SOURCE, destination="postgres", dataset_name="raw"),
    name=SOURCE,
    dagster_dlt_translator=SourceTableTranslator(),
    op_tags={"fitelt/source": SOURCE},
)
def withings_assets(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    withings_api: WithingsApiResource,
) -> Iterator[Any]:
    """Load Withings measures (inbox exports + API) into raw.withings_measures."""
    with retry_transient(context):  # e.g. the warehouse restarting
        clients = withings_api.clients(warehouse)
    yield from load_source(
        context,
        dlt,
        warehouse,
        name=SOURCE,
        make_source=lambda files: withings_source(files=files, clients=clients),
        accounts=clients,
        table_hints=[MEASURES_HINTS],
    )
