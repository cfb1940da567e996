"""What every file/API load asset shares: picking inbox files, archiving them, load metadata."""

from __future__ import annotations

import dagster as dg
import psycopg2
from psycopg2 import sql

from ..inbox import InboxFile
from ..resources import WarehouseResource


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
