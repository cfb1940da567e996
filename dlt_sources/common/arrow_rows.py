"""Good rows of an export file as pyarrow tables: the columnar path into PostgreSQL.

A list of dicts makes dlt normalise every row in Python (type coercion, `_dlt_id`, an INSERT
statement); a pyarrow table is written by dlt as csv and loaded with COPY (PostgreSQL has no
parquet loader without ADBC). The table's columns are exactly the declared column hints, so
the raw table is the one the dict path makes: same names, same PostgreSQL types, same
`_dlt_load_id` and `_dlt_id` (NOT NULL), same merge on the primary key.

dlt adds neither `_dlt_load_id` nor `_dlt_id` to arrow tables unless its normalizer is told
to for the whole pipeline; they are added here, per table, so no other table changes.

A batch goes the dict way instead when it cannot be a faithful table:
- rows holding "" in a nullable text column: dlt's csv COPY reads nullable columns with
  FORCE_NULL, so "" would load as NULL (those rows alone, the rest stays columnar);
- rows with a key that is no declared column (the dict path would add a column), a value of
  another type than its column (the dict path would coerce it or add a variant column), or a
  NULL in a NOT NULL column (the load fails either way, as it did);
- rows produced outside a dlt extract (no load id to stamp them with).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.common.normalizers.utils import generate_dlt_ids
from dlt.common.storages.exceptions import CurrentLoadPackageStateNotAvailable

from .tables import DLT_COLUMNS

log = logging.getLogger(__name__)

# False: every batch goes as dicts (the previous path). The bench and the parity test flip it.
COLUMNAR = True
# Rows per arrow table: dlt's work per item (table variant, schema merge, a file) is the same
# for 1,000 rows or 20,000, so tables are larger than the dict batches were.
TABLE_ROWS = 20_000

# The hints of make_hints that describe the table (the variant keeps them as they are).
_TABLE_HINTS = (
    "parent_table_name",
    "write_disposition",
    "primary_key",
    "merge_key",
    "schema_contract",
    "table_format",
    "file_format",
)
_variants: dict[int, tuple[Any, Any, Any]] = {}  # id(hints) → (hints, arrow hints, schema)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def row_items(
    rows: Sequence[Mapping[str, Any]], hints: Any, constants: Mapping[str, Any] | None = None
) -> Iterator[Any]:
    """The items that load `rows` (+ `constants`, the same value in every row) into the table
    of `hints`: one arrow table, plus a dict batch for the rows a table cannot carry."""
    constants = dict(constants or {})
    if not rows:
        return
    load_id = _load_id() if COLUMNAR else None
    if load_id is None:
        yield _dicts(rows, hints, constants)
        return
    arrow_hints, schema = _variant(hints)
    columns = [name for name in schema.names if name not in ("_dlt_load_id", "_dlt_id")]
    declared = set(columns)
    if not (constants.keys() <= declared and all(row.keys() <= declared for row in rows)):
        log.warning("%s: a row has an undeclared column: sent as dicts", hints["table_name"])
        yield _dicts(rows, hints, constants)
        return
    blank = _blank_rows(rows, constants, hints["columns"])
    if blank is None:  # a constant "" in a nullable text column: no row can be columnar
        yield _dicts(rows, hints, constants)
        return
    if blank:
        yield _dicts([rows[i] for i in sorted(blank)], hints, constants)
        rows = [row for i, row in enumerate(rows) if i not in blank]
        if not rows:
            return
    table = _table(rows, constants, columns, schema, load_id)
    if table is None:
        log.warning("%s: a value does not fit its column: sent as dicts", hints["table_name"])
        yield _dicts(rows, hints, constants)
        return
    yield dlt.mark.with_hints(table, arrow_hints, create_table_variant=True)


def arrow_schema(columns: Mapping[str, Mapping[str, Any]]) -> Any:
    """The pyarrow schema of declared dlt columns, `_dlt_load_id` and `_dlt_id` last."""
    import pyarrow as pa

    fields = [
        pa.field(name, _arrow_type(column), nullable=column.get("nullable", True))
        for name, column in columns.items()
    ]
    fields += [pa.field(c["name"], pa.string(), nullable=False) for c in DLT_COLUMNS]
    return pa.schema(fields)


def _arrow_type(column: Mapping[str, Any]) -> Any:
    import pyarrow as pa

    kind = column["data_type"]
    if kind == "timestamp":  # timezone absent or True: timestamptz, as dlt maps it
        return pa.timestamp("us", tz=None if column.get("timezone") is False else "UTC")
    if kind == "bigint":
        bits = column.get("precision") or 64
        return {8: pa.int8(), 16: pa.int16(), 32: pa.int32()}.get(bits, pa.int64())
    simple = {"text": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "date": pa.date32()}
    if kind not in simple:
        raise ValueError(f"no arrow type for column type {kind!r}")
    return simple[kind]


def _variant(hints: Any) -> tuple[Any, Any]:
    """`hints` plus dlt's own columns (as the dict path's normalizer declares them)."""
    cached = _variants.get(id(hints))
    if cached is None or cached[0] is not hints:
        declared = [*hints["columns"].values(), *DLT_COLUMNS]
        columns = {c["name"]: {k: v for k, v in c.items() if k != "name"} for c in declared}
        table_hints = {key: hints[key] for key in _TABLE_HINTS if hints.get(key) is not None}
        arrow_hints = dlt.mark.make_hints(
            table_name=hints["table_name"], columns=columns, **table_hints
        )
        cached = _variants[id(hints)] = (hints, arrow_hints, arrow_schema(hints["columns"]))
    return cached[1], cached[2]


def _load_id() -> str | None:
    try:
        return dlt.current.load_package_state()["load_id"]
    except CurrentLoadPackageStateNotAvailable:
        return None


def _blank_rows(
    rows: Sequence[Mapping[str, Any]], constants: Mapping[str, Any], columns: Mapping[str, Any]
) -> set[int] | None:
    """Indexes of rows with "" in a nullable text column; None when a constant is such a ""."""
    blank: set[int] = set()
    for name, column in columns.items():
        if column["data_type"] != "text" or not column.get("nullable", True):
            continue
        if name in constants:
            if constants[name] == "":
                return None
            continue
        values = [row.get(name) for row in rows]
        if "" in values:
            blank.update(i for i, value in enumerate(values) if value == "")
    return blank


def _table(
    rows: Sequence[Mapping[str, Any]],
    constants: Mapping[str, Any],
    columns: list[str],
    schema: Any,
    load_id: str,
) -> Any:
    import pyarrow as pa

    n = len(rows)
    arrays = []
    try:
        for name in columns:
            field = schema.field(name)
            values = [constants[name]] * n if name in constants else [r.get(name) for r in rows]
            if getattr(field.type, "tz", None) is not None:
                values = _micros(values)
            array = pa.array(values, type=field.type)
            if array.null_count and not field.nullable:
                return None  # dlt would refuse the table; the dict path fails as it always did
            arrays.append(array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
        return None
    arrays.append(pa.array([load_id] * n, type=pa.string()))
    arrays.append(pa.array(generate_dlt_ids(n), type=pa.string()))
    return pa.Table.from_arrays(arrays, schema=schema)


def _micros(instants: list[Any]) -> list[int | None]:
    """Aware datetimes as µs since the epoch: pyarrow converts them ~15× slower itself (it asks
    each value for its UTC offset). A naive one raises TypeError: the batch goes as dicts."""
    return [None if at is None else (at - _EPOCH) // _MICROSECOND for at in instants]


def _dicts(rows: Sequence[Mapping[str, Any]], hints: Any, constants: Mapping[str, Any]) -> Any:
    batch = [{**row, **constants} for row in rows] if constants else list(rows)
    return dlt.mark.with_hints(batch, hints, create_table_variant=True)
