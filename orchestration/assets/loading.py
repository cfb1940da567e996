"""What every file/API load asset shares: picking inbox files, archiving them, load metadata."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg
import psycopg2
from dagster_dlt import DagsterDltResource
from psycopg2 import sql

from dlt_sources.common.files import SourceFile
from dlt_sources.common.tables import ensure_tables

from ..inbox import InboxFile
from ..resources import WarehouseResource
from .retries import reconnect_metadata, retry_transient
from .run_log import source_logs_in_run_log


def load_source(
    context: dg.AssetExecutionContext,
    dlt: DagsterDltResource,
    warehouse: WarehouseResource,
    *,
    name: str,
    make_source: Callable[[list[SourceFile]], Any],
    accounts: Sequence[Any],
    table_hints: Sequence[Any],
) -> Iterator[dg.MaterializeResult]:
    """The body of every source asset: inbox files + API accounts → dlt → archive → metadata.

    Files are archived only after dlt committed the load, so a failed or killed run leaves
    them in the inbox for the next one; merges on natural keys make the retry idempotent.
    """
    with retry_transient(context):  # a transient failure anywhere here re-runs the step
        inbox_files = pending_files(context, warehouse, name)
        files = [
            SourceFile(item.path, item.athlete_id, warehouse.athlete(item.athlete_id).timezone)
            for item in inbox_files
        ]
        context.log.info("%s: %d file(s), %d API account(s)", name, len(files), len(accounts))
        pipeline = warehouse.pipeline(name)
        results: list[Any] = []
        # Nothing can have changed without a file or an API account: skip dlt's extract/
        # normalize/load set-up (it costs more than the rest of a no-op run). A pipeline that
        # never ran still runs once, to create its schema and the empty tables.
        if files or accounts or pipeline.default_schema_name is None:
            with source_logs_in_run_log(context, f"dlt_sources.{name}"):
                results = list(
                    dlt.run(context=context, dlt_source=make_source(files), dlt_pipeline=pipeline)
                )
        else:
            context.log.info("%s: no new file and no API account: nothing to load", name)
        ensure_tables(pipeline, *table_hints)  # staging views need the table before a row
        archive_loaded(context, warehouse, inbox_files)
        extra = {**load_metadata(warehouse, name), **reconnect_metadata(warehouse, name)}
        extra["files_loaded"] = dg.MetadataValue.int(len(files))
    for result in results:
        yield dg.MaterializeResult(
            asset_key=result.asset_key, metadata={**result.metadata, **extra}
        )
    if not results:
        for key in sorted(context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key, metadata=extra)


def pending_files(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kind: str
) -> list[InboxFile]:
    """Inbox files of `kind` to load; a file already archived (same checksum) loads nothing."""
    inbox = warehouse.inbox()
    to_load = []
    for item in inbox.pending(kind):
        if inbox.is_archived(item):
            context.log.info(
                "%s: already loaded (checksum %s…), skipped", item.path.name, item.sha256[:12]
            )
            inbox.archive(item)
        else:
            to_load.append(item)
    return to_load


def archive_loaded(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, items: list[InboxFile]
) -> None:
    """Move loaded files to the archive; only called after the load committed."""
    inbox = warehouse.inbox()
    for item in items:
        target = inbox.archive(item)
        context.log.info("archived %s as %s", item.path.name, target.name)


def load_metadata(warehouse: WarehouseResource, source: str) -> dict[str, dg.MetadataValue]:
    """Row counts of the source's raw tables and its quarantine, for the asset's metadata."""
    counts: dict[str, dg.MetadataValue] = {}
    with psycopg2.connect(warehouse.warehouse().admin.dsn()) as db, db.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'raw' and table_name like %s order by table_name",
            (f"{source}\\_%",),
        )
        for (table,) in cur.fetchall():
            cur.execute(sql.SQL("select count(*) from raw.{}").format(sql.Identifier(table)))
            counts[f"rows:{table}"] = dg.MetadataValue.int(cur.fetchone()[0])
    return counts
