"""Apple Health exports (export.zip / export.xml of the Health app) from the inbox."""

import logging
from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt
from dagster_dlt import DagsterDltResource, dlt_assets

from dlt_sources.apple_health import APPLE_HEALTH_TABLE_HINTS, apple_health_source
from dlt_sources.common.tables import ensure_key_indexes
from orchestration.lib.source_load import load_source
from orchestration.lib.translator import SourceTableTranslator
from orchestration.resources.warehouse import WarehouseResource

SOURCE = "apple_health"
log = logging.getLogger(__name__)


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
    checksums and the high-water mark of record creation per athlete). A first import appends
    into an empty table without its natural-key index (dlt_sources/apple_health/load.py);
    `load_source` rebuilds it after the load, and a failed run rebuilds it here.
    """
    try:
        yield from load_source(
            context,
            dlt,
            warehouse,
            name=SOURCE,
            make_source=lambda files: apple_health_source(files=files),
            accounts=(),
            table_hints=list(APPLE_HEALTH_TABLE_HINTS),
        )
    except Exception:
        restore_key_indexes(warehouse)
        raise


def restore_key_indexes(warehouse: WarehouseResource) -> None:
    """The natural-key index of each existing Apple Health table (after a failed run)."""
    try:
        with warehouse.exclusive_pipeline(SOURCE) as pipeline, pipeline.sql_client() as client:
            hints = [
                hint for hint in APPLE_HEALTH_TABLE_HINTS
                if client.execute_sql("select to_regclass(%s)",
                                      f"raw.{hint['table_name']}")[0][0] is not None
            ]  # fmt: skip
            ensure_key_indexes(pipeline, *hints)
    except Exception:  # the run's own failure is what the caller re-raises
        log.exception("could not restore the natural-key indexes of the Apple Health tables")
