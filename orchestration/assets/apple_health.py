"""Apple Health exports (export.zip / export.xml of the Health app) from the inbox."""

from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.apple_health import APPLE_HEALTH_TABLE_HINTS, apple_health_source
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "apple_health"


@dlt_assets(
    dlt_source=apple_health_source(),
    dlt_pipeline=dlt.pipeline(pipeline_name=SOURCE, destination="postgres", dataset_name="raw"),
    name=SOURCE,
    dagster_dlt_translator=SourceTableTranslator(),
    op_tags={"fitelt/source": SOURCE},
)
def apple_health_assets(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """Stream inbox exports into raw.apple_health_records, _sleep, _workouts, _type_counts.

    What an earlier export loaded is skipped by the source itself (its dlt state: export
    checksums and the high-water mark of record creation per athlete).
    """
    yield from load_source(
        context,
        dlt,
        warehouse,
        name=SOURCE,
        make_source=lambda files: apple_health_source(files=files),
        accounts=(),
        table_hints=list(APPLE_HEALTH_TABLE_HINTS),
    )
