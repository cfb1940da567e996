"""Facts about the raw tables the loads write: do they exist yet, how many rows they hold."""

from __future__ import annotations

import psycopg2
from psycopg2 import sql

from fitelt.warehouse.conninfo import ConnInfo


def raw_table_exists(conn: ConnInfo, table: str) -> bool:
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (f"raw.{table}",))
        return bool(cur.fetchone()[0])


def raw_row_counts(conn: ConnInfo, source: str, tables: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows of each `raw.<source>_*` table (its data tables and its quarantine) and `tables`."""
    counts: dict[str, int] = {}
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and (table_name like %s or table_name = any(%s::text[])) order by table_name",
            (f"{source}\\_%", list(tables)),
        )
        for (table,) in cur.fetchall():
            cur.execute(sql.SQL("select count(*) from raw.{}").format(sql.Identifier(table)))
            counts[table] = cur.fetchone()[0]
    return counts
