"""Create a source's tables even before any row reached them, so dbt sources always resolve,
and index their natural keys.

dlt creates a table with its first row. A source that is not set up yet (no export imported,
no API configured) would leave `raw.<table>` missing and every staging view on it failing.

dlt's postgres merge (delete-insert on the primary key) creates no index on that key, so every
merge and every model joining on it scanned the whole table: `marts.runs` (the weigh-in as of
each run) went quadratic, several minutes at 100× the sample (BENCHMARKS.md).
"""

from __future__ import annotations

import logging
from typing import Any

import dlt
from dlt.common.schema.utils import new_table

log = logging.getLogger(__name__)

# The columns dlt's normalizer adds to every root table; declared up front so the first real
# load does not have to ALTER them into the (empty) table.
DLT_COLUMNS = [
    {"name": "_dlt_load_id", "data_type": "text", "nullable": False},
    {"name": "_dlt_id", "data_type": "text", "nullable": False, "unique": True, "row_key": True},
]


def _names(keys: Any) -> set[str]:
    if not keys:
        return set()
    return {keys} if isinstance(keys, str) else set(keys)


def ensure_tables(pipeline: dlt.Pipeline, *hints: Any) -> None:
    """Add the tables described by `dlt.mark.make_hints(...)` objects and sync them.

    Tables the pipeline schema already knows are left alone (dlt created them with their
    data); only the others are declared and created, empty, with their declared columns.
    """
    schema = pipeline.default_schema
    missing = [hint for hint in hints if hint["table_name"] not in schema.tables]
    for hint in missing:
        keys = {
            "primary_key": _names(hint.get("primary_key")),
            "merge_key": _names(hint.get("merge_key")),
        }
        columns = []
        for name, column in hint["columns"].items():
            flags = {key: True for key, names in keys.items() if name in names}
            columns.append({**column, "name": name, **flags})
        columns.extend(dict(column) for column in DLT_COLUMNS)
        disposition = hint.get("write_disposition") or "append"
        if isinstance(disposition, dict):
            disposition = disposition["disposition"]
        schema.update_table(
            new_table(hint["table_name"], write_disposition=disposition, columns=columns)
        )
        log.info("declared empty table %s (no rows loaded yet)", hint["table_name"])
    if missing:
        pipeline.sync_schema()
    ensure_key_indexes(pipeline, *hints)


def key_index_name(table: str) -> str:
    return f"{table}__natural_key"


def ensure_key_indexes(pipeline: dlt.Pipeline, *hints: Any) -> None:
    """An index on each table's primary key (its natural key; else its merge key), once."""
    with pipeline.sql_client() as client:
        for hint in hints:
            keys = hint.get("primary_key") or hint.get("merge_key")
            if not keys:
                continue
            columns = [keys] if isinstance(keys, str) else list(keys)
            table = hint["table_name"]
            client.execute_sql(
                f"create index if not exists {client.escape_column_name(key_index_name(table))} "
                f"on {client.make_qualified_table_name(table)} "
                f"({', '.join(client.escape_column_name(c) for c in columns)})"
            )
