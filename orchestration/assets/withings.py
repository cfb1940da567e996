"""Withings measures: export files from the inbox and, when configured, the Measure API."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.common.files import SourceFile
from dlt_sources.withings import withings_source

from ..resources import WarehouseResource, WithingsApiResource
from ..translator import SourceTableTranslator
from .loading import archive_loaded, load_metadata, pending_files

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
    inbox_files = pending_files(context, warehouse, SOURCE)
    files = [
        SourceFile(item.path, item.athlete_id, warehouse.athlete(item.athlete_id).timezone)
        for item in inbox_files
    ]
    clients = withings_api.clients(warehouse)
    context.log.info("withings: %d export file(s), %d API account(s)", len(files), len(clients))
    pipeline = warehouse.pipeline(SOURCE)
    source = withings_source(files=files, clients=clients)
    results = list(dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline))
    archive_loaded(context, warehouse, inbox_files)
    extra = load_metadata(warehouse, SOURCE)
    extra["files_loaded"] = dg.MetadataValue.int(len(files))
    for result in results:
        yield dg.MaterializeResult(
            asset_key=result.asset_key, metadata={**result.metadata, **extra}
        )
