"""Activity files (FIT, TCX, GPX, plain or gzipped, and export archives) from the inbox."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.activity_files import (
    ACTIVITY_FILES_HINTS,
    LAPS_HINTS,
    RECORDS_HINTS,
    activity_files_source,
)
from fitelt.loading.known_versions import loaded_versions
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "activity_files"


@dlt_assets(
    dlt_source=activity_files_source(),
    dlt_pipeline=dlt.pipeline(pipeline_name=SOURCE, destination="postgres", dataset_name="raw"),
    name=SOURCE,
    dagster_dlt_translator=SourceTableTranslator(),
    op_tags={"fitelt/source": SOURCE},
)
def activity_files_assets(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """Decode inbox activity files into raw.activity_files, _records and _laps.

    A file version already in the warehouse (same athlete, same decompressed content) is not
    decoded again: the versions are read under the pipeline's lock, when the source is made.
    """

    def make_source(files: list[Any]) -> Any:
        known = loaded_versions(warehouse.warehouse().admin)
        return activity_files_source(files=files, skip_versions=known)

    yield from load_source(
        context,
        dlt,
        warehouse,
        name=SOURCE,
        make_source=make_source,
        accounts=(),
        table_hints=[ACTIVITY_FILES_HINTS, RECORDS_HINTS, LAPS_HINTS],
    )
