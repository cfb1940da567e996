"""How a run writes the record tables: appended (a first import) or merged, and their set-up.

dlt's merge (COPY into a staging table, DELETE … WHERE EXISTS on the key, a de-duplicating
INSERT) writes every row twice and sorts them all; for a whole history that is most of the
load. Rows can be appended instead when nothing is there to merge with: every export of the
run is the first of its athlete (one export per athlete in the run) and the athlete has no
committed row in the record tables. The export's own duplicates are cut (parts.py, emit.py).
Otherwise (a later export: its new days and the rescan margin) the run merges as before.

Rows of a load that never completed (its `_dlt_load_id` not in `_dlt_loads`: an append
killed after its COPY committed) are deleted before the athlete's export is appended again.

Set-up, under the pipeline's lock (the resource runs inside the locked dlt run): the
`_dlt_id` UNIQUE constraint dlt puts on every table is dropped from these tables (nothing
refers to `_dlt_id`; keeping it unique cost 80% of the COPY). A missing table is created by
the COPY's own transaction (`open_copy`), as dlt would create it, and loaded with
`COPY … FREEZE` (no hint bits to set later: the row counts after the load read it at once);
its natural-key index (the one `common.tables.ensure_key_indexes` makes) is built after the
COPY, in the same transaction: one sort (PostgreSQL's parallel index build) costs less than
inserting every row into the index as it arrives (measured: 5.0 s + 3.6 s against 11.9 s for
3.2 M records). An existing table keeps its index, which PostgreSQL maintains as rows arrive.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import dlt

from ..common.tables import key_index_name
from .columns import (
    KEYS,
    RECORD_COLUMNS,
    RECORDS_TABLE,
    SLEEP_COLUMNS,
    SLEEP_TABLE,
    WORKOUTS_TABLE,
)
from .settings import SOURCE

log = logging.getLogger(f"dlt_sources.{SOURCE}")
ROW_TABLES = (RECORDS_TABLE, SLEEP_TABLE, WORKOUTS_TABLE)
COPIED = {RECORDS_TABLE: RECORD_COLUMNS, SLEEP_TABLE: SLEEP_COLUMNS}  # appended by COPY


def prepare_tables(athletes: Sequence[str]) -> str:
    """'append' or 'merge' for this run's exports (their athletes, in order), tables set up."""
    try:
        client = dlt.current.pipeline().sql_client()
    except Exception:  # noqa: BLE001 - no destination (a dry extract): dlt's merge decides
        return "merge"
    with client:
        tables = [t for t in ROW_TABLES if _exists(client, client.make_qualified_table_name(t))]
        for table in tables:
            client.execute_sql(f"alter table {client.make_qualified_table_name(table)} "
                               f"drop constraint if exists {table}__dlt_id_key")  # fmt: skip
        if not athletes or len(set(athletes)) != len(athletes):
            return "merge"
        loads = client.make_qualified_table_name("_dlt_loads")
        done = f"_dlt_load_id in (select load_id from {loads} where status = 0)"  # noqa: S608
        for table in tables:
            name = client.make_qualified_table_name(table)
            for athlete in athletes:
                if _exists(client, loads) and _any(client, f"{name} where athlete_id = %s and "
                                                          f"{done}", athlete):  # fmt: skip
                    return "merge"
        for table in tables:
            name = client.make_qualified_table_name(table)
            delete = f"delete from {name} where athlete_id = any(%s)"  # noqa: S608
            client.execute_sql(delete, list(athletes))
    log.info("%s: first export of its athlete(s): appended, not merged", SOURCE)
    return "append"


def _exists(client: Any, qualified: str) -> bool:
    return bool(client.execute_sql("select to_regclass(%s) is not null", qualified)[0][0])


def _any(client: Any, where: str, *args: Any) -> bool:
    query = f"select exists(select 1 from {where})"  # noqa: S608 - our tables' names
    return bool(client.execute_sql(query, *args)[0][0])


def open_copy(table: str) -> tuple[Any, Any, list[str], list[str]]:
    """(dlt sql client, its psycopg2 connection, the statements that create `table` first if
    it does not exist yet, as dlt would create it, and those to run after its COPY: its
    natural-key index)."""
    client = dlt.current.pipeline().sql_client()
    connection = client.open_connection()
    qualified = client.make_qualified_table_name(table)
    if _exists(client, qualified):
        return client, connection, [], []
    from dlt.destinations.impl.postgres.factory import PostgresTypeMapper

    types = PostgresTypeMapper.sct_to_unbound_dbt
    definitions = []
    for name, column in {**COPIED[table], "_dlt_load_id": _TEXT, "_dlt_id": _TEXT}.items():
        kind = types[column["data_type"]]
        if column["data_type"] == "bigint" and column.get("precision") == 32:
            kind = "integer"
        null = "" if column.get("nullable", True) else " NOT NULL"
        definitions.append(f"{client.escape_column_name(name)} {kind}{null}")
    key = ", ".join(client.escape_column_name(c) for c in KEYS[table])
    index = client.escape_column_name(key_index_name(table))
    create = [f"create table {qualified} ({', '.join(definitions)})"]
    after = [f"create index {index} on {qualified} ({key})"]  # what ensure_key_indexes makes
    return client, connection, create, after


_TEXT = {"data_type": "text", "nullable": False}
