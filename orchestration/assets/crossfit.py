"""CrossFit sets: CSV downloads of the log from the inbox and, when configured, the live sheet."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.crossfit import SETS_HINTS, crossfit_source
from orchestration.lib.retries import retry_transient
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.vendor_apis import SheetsApiResource
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "crossfit"


@dlt_assets(
    dlt_source=crossfit_source(),
    dlt_pipeline=dlt.pipeline(pipeline_name=SOURCE, destination="postgres", dataset_name="raw"),
    name=SOURCE,
    dagster_dlt_translator=SourceTableTranslator(),
    op_tags={"fitelt/source": SOURCE},
)
def crossfit_assets(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    sheets_api: SheetsApiResource,
) -> Iterator[Any]:
    """Load CrossFit sets (inbox CSVs + Google Sheet) into raw.crossfit_sets."""
    with retry_transient(context):  # e.g. the warehouse restarting
        sheets = sheets_api.clients(warehouse)
    yield from load_source(
        context,
        dlt,
        warehouse,
        name=SOURCE,
        make_source=lambda files: crossfit_source(files=files, sheets=sheets),
        accounts=sheets,
        table_hints=[SETS_HINTS],
    )
