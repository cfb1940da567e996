"""One export's dlt items: nothing until it was read whole (whole-file isolation), then its
rows: appended straight into PostgreSQL (copy.py: a first import) or for dlt's merge (the
records as csv files, sleep as arrow tables); workouts, counts and quarantine rows as items.

As `common.isolation.isolated_file_items`: items wait in a spool (memory, then a temporary
file), the rows in csv files or uncommitted COPYs; a failure anywhere rejects the file (line 0
of the quarantine, `SourceFile.reject`) and drops them all. A `Restart` of the reader (the
fast path gave up) drops them too, and the reader starts over.

dlt imports files into one table per resource: the records' csv files ride on the resource's
own table (`apple_health_records`, the hints on each file); everything else is a table variant.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import dlt
import psycopg2
import pyarrow as pa

from ..common.files import SourceFile
from ..common.isolation import SPOOL_IN_MEMORY_BYTES, rejection_reason
from ..common.quarantine import reject_file
from ..common.textfile import printable
from .columns import KEYS, RECORDS_TABLE, SLEEP_TABLE, WORKOUTS_TABLE, row_hints
from .copy import CopyFailed, DirectCopy
from .export import ExportDone, ExportReader, Restart, Tables
from .load import open_copy
from .parts import ExportParts
from .settings import SOURCE
from .spans import RECORD_SCHEMA, SLEEP_SCHEMA

log = logging.getLogger(f"dlt_sources.{SOURCE}")
SCHEMAS = {RECORDS_TABLE: RECORD_SCHEMA, SLEEP_TABLE: SLEEP_SCHEMA}


class _Sinks:
    """Where one reading of an export goes: csv parts, or one COPY per table when appending."""

    def __init__(self, folder: Path | None, load_id: str, prefix: str, direct: bool) -> None:
        self.parts = ExportParts(folder, load_id, prefix, dedup=direct)
        self.load_id = load_id
        self.copies: dict[str, tuple[Any, DirectCopy]] = {}
        self.after: dict[str, list[str]] = {}  # per table: run after its COPY (the index)
        for table, schema in SCHEMAS.items() if direct else ():
            client, connection, create, self.after[table] = open_copy(table)
            columns = [*schema.names, "_dlt_load_id", "_dlt_id"]
            name = client.make_qualified_table_name(table)
            self.copies[table] = (client, DirectCopy(connection, name, columns, create=create))

    def rows(self, table: str, rows: pa.Table) -> bool:
        """Takes the rows of a copied table, or the records' for csv; False: not mine."""
        if table in self.copies:
            self.copies[table][1].write(self.parts.add(table, KEYS[table], rows, csv=False))
            return True
        if table == RECORDS_TABLE:
            self.parts.add(table, KEYS[table], rows)
            return True
        return False

    def commit(self) -> list[tuple[Path, int]]:
        """The csv files for dlt; the COPYs committed, the export's duplicates deleted first."""
        files = self.parts.finish()
        for table, (client, copy) in list(self.copies.items()):
            copy.finish()
            dropped = self.parts.dropped(table)
            with copy.connection.cursor() as cursor:
                if len(dropped):
                    cursor.execute(
                        f"delete from {client.make_qualified_table_name(table)} "  # noqa: S608
                        "where _dlt_load_id = %s and _dlt_id = any(%s)",
                        (self.load_id, self.parts.ids(dropped)),
                    )  # fmt: skip
                for statement in self.after.get(table, ()):
                    cursor.execute(statement)
            copy.connection.commit()
            del self.copies[table]
            client.close_connection()
            log.info("%s: %d rows appended by COPY", table, copy.rows - len(dropped))
        return [(path, rows) for _, path, rows in files]

    def drop(self) -> None:
        self.parts.discard()
        for client, copy in self.copies.values():
            try:
                copy.abort()
            finally:
                client.close_connection()
        self.copies = {}


class _Loaded(Exception):  # noqa: N818 - a signal, not an error
    """The export's checksum is one of the athlete's loaded exports."""


def export_items(
    source_file: SourceFile,
    reader: ExportReader,
    disposition: str,
    folder: Path | None,
    *,
    loaded: Collection[str] = (),
) -> Iterator[Any]:
    """The items of one export after it was read whole; its rejection row otherwise; nothing
    if its checksum (computed meanwhile, in a thread) turns out to be in `loaded`."""
    try:
        load_id = dlt.current.load_package_state()["load_id"]
    except Exception:  # noqa: BLE001 - outside a pipeline run (a test of the reader)
        load_id = "0"
    prefix = f"{secrets.token_hex(4)}."  # _dlt_id: a prefix of this export's, a row number
    append = disposition == "append"
    sinks = _Sinks(folder, load_id, prefix, direct=append)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        count, unchecked = 0, True
        try:
            for item in reader.read(source_file):
                if unchecked and (checksum := reader.checksum(wait=False)) is not None:
                    unchecked = False
                    if checksum in loaded:
                        raise _Loaded
                if isinstance(item, Restart):
                    sinks.drop()
                    sinks, count = _Sinks(folder, load_id, prefix, direct=append), 0
                    spool.seek(0)
                    spool.truncate()
                elif not (isinstance(item, Tables) and sinks.rows(item.hints["table_name"],
                                                                  item.table)):  # fmt: skip
                    pickle.dump(item, spool, protocol=pickle.HIGHEST_PROTOCOL)
                    count += 1
            if reader.checksum() in loaded:
                raise _Loaded
        except _Loaded:
            sinks.drop()
            log.info("%s: this export was loaded already: skipped", source_file.display_name)
            return
        except (CopyFailed, psycopg2.Error):  # the warehouse, not the file: the run fails,
            sinks.drop()  # the file stays in the inbox for the retry
            raise
        except Exception as exc:  # confined to this file: the other files still load
            sinks.drop()
            reason = rejection_reason(exc)
            log.error("%s rejected: %s", printable(source_file.display_name), reason)
            source_file.reject(reason)
            yield reject_file(SOURCE, source_file, reason=f"file rejected: {reason}")
            return
        try:
            files = sinks.commit()
        except BaseException:
            sinks.drop()
            raise
        try:
            spool.seek(0)
            done = None
            for _ in range(count):
                item = pickle.load(spool)
                if isinstance(item, ExportDone):
                    done = item
                elif isinstance(item, Tables):
                    yield _arrow_item(item, disposition)
                else:
                    yield item
            for table, schema in SCHEMAS.items() if append else ():  # dlt learns the tables
                yield dlt.mark.with_hints(schema.empty_table(), row_hints(table, disposition),
                                          create_table_variant=True)  # fmt: skip
            hints = row_hints(RECORDS_TABLE, disposition)
            for path, rows in files:  # dlt hard-links each file into its load package
                yield dlt.mark.with_file_import(str(path), "csv", rows, hints)
            yield done
        finally:
            sinks.parts.discard()


def _arrow_item(item: Tables, disposition: str) -> Any:
    name, table, hints = item.hints["table_name"], item.table, item.hints
    if name in (SLEEP_TABLE, WORKOUTS_TABLE):
        hints = row_hints(name, disposition)
    if name == WORKOUTS_TABLE and disposition == "append":  # the export's own duplicates go
        keys = table.column("record_key").to_pylist()
        first_of = {key: index for index, key in reversed(list(enumerate(keys)))}
        table = table.take(sorted(first_of.values()))
    return dlt.mark.with_hints(table, hints, create_table_variant=True)
