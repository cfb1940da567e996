"""Raw attribute strings of many records → one arrow table, vectorised, plus the bad rows.

The parser only collects each record's attribute strings; here a batch of them becomes typed
columns in a few arrow kernels (timestamps with their `+HHMM` offsets, decimal commas, units,
ranges), so the per-record Python work stays a tuple append. Rows that cannot be loaded (an
unparseable date or value, an unexpected unit, a value out of range, end before start, an
unknown sleep stage) come back as (index, reason) for the quarantine. Rows created before the
cutoff were loaded by an earlier export and are dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import RECORD_COLUMNS, SLEEP_COLUMNS
from .settings import (
    MAX_SLEEP_SEGMENT,
    OFFSET_AT,
    QUANTITY_TYPES,
    RANGES,
    SLEEP_PREFIX,
    SLEEP_STAGES,
    STORED_UNITS,
    TIME_FORMAT,
)

TIMESTAMP = pa.timestamp("us", tz="UTC")
UNKNOWN_SOURCE = "unknown"
_TIME_EXPECTED = "not a 'YYYY-MM-DD HH:MM:SS +HHMM' time"

# One collected record: the attribute strings and its line in the XML.
Raw = tuple[str | None, str | None, str | None, str | None, str | None, str | None, str | None, int]
FIELDS = ("type", "sourceName", "unit", "value", "startDate", "endDate", "creationDate", "line")


def arrow_schema(columns: dict[str, dict[str, Any]]) -> pa.Schema:
    """The arrow schema whose columns are exactly the hinted ones (dlt infers nothing)."""
    types = {"text": pa.string(), "double": pa.float64(), "timestamp": TIMESTAMP}

    def arrow_type(column: dict[str, Any]) -> pa.DataType:
        if column["data_type"] == "bigint":
            return pa.int32() if column.get("precision") == 32 else pa.int64()
        return types.get(column["data_type"], pa.bool_())

    return pa.schema(
        [pa.field(name, arrow_type(c), nullable=c["nullable"]) for name, c in columns.items()]
    )


RECORD_SCHEMA = arrow_schema(RECORD_COLUMNS)
SLEEP_SCHEMA = arrow_schema(SLEEP_COLUMNS)


@dataclass
class Built:
    """What a batch became: the table (None when no row is kept) and the rest accounted for."""

    table: pa.Table | None
    bad: list[tuple[int, str]] = field(default_factory=list)  # (index in the batch, reason)
    skipped: int = 0  # created before the cutoff: loaded by an earlier export
    latest_us: int | None = None  # the latest creation (else end) instant of a good row


def parse_times(texts: list[str | None]) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS +HHMM' → UTC timestamps (us); null where missing or malformed."""
    array = pa.array(texts, pa.string())
    parsed = pc.strptime(array, format=TIME_FORMAT, unit="s", error_is_null=True)
    return parsed.cast(TIMESTAMP)


def parse_offsets(texts: list[str | None]) -> np.ndarray:
    """The '+HHMM' of each timestamp text as seconds east of UTC (0 where malformed)."""
    tails = pc.utf8_slice_codeunits(pa.array(texts, pa.string()), OFFSET_AT, OFFSET_AT + 8)
    encoded = tails.dictionary_encode()
    seconds = pa.array([_offset_seconds(t) for t in encoded.dictionary.to_pylist()], pa.int32())
    return pc.take(seconds, encoded.indices).fill_null(0).to_numpy(zero_copy_only=False)


def _offset_seconds(tail: str | None) -> int:
    if tail is None or len(tail) != 5 or tail[0] not in "+-" or not tail[1:].isdigit():
        return 0
    seconds = int(tail[1:3]) * 3600 + int(tail[3:5]) * 60
    return -seconds if tail[0] == "-" else seconds


def parse_values(texts: list[str | None]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Numbers, a decimal comma (a localised phone's export) read as a point; bad → reasons."""
    array = pc.replace_substring(pa.array(texts, pa.string()), ",", ".")
    try:
        values = pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        return _parse_values_one_by_one(array.to_pylist())
    bad = [(i, "value: missing") for i in np.flatnonzero(~_valid(values))]
    return values.fill_null(np.nan).to_numpy(zero_copy_only=False), bad


def _parse_values_one_by_one(texts: list[str | None]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    values, bad = np.full(len(texts), np.nan), []
    for index, text in enumerate(texts):
        try:
            values[index] = float(text) if text is not None else np.nan
        except ValueError:
            bad.append((index, f"value: not a number: {text[:40]!r}"))
            continue
        if text is None or values[index] != values[index]:
            bad.append((index, "value: missing"))
    return values, bad


def _valid(array: pa.Array) -> np.ndarray:
    return array.is_valid().to_numpy(zero_copy_only=False)


def record_key(*parts: object) -> str:
    """The natural key of a record: a 128-bit hash of its identity, as hex."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def build_records(
    rows: list[Raw], *, record_type: str, athlete_id: str, source_file: str, cutoff_us: int | None
) -> Built:
    """Quantity records of one record_type as a `RECORD_SCHEMA` table."""
    hk_types, sources, units, texts, starts, ends, created, _ = zip(*rows, strict=True)
    values, bad = parse_values(list(texts))
    factors = QUANTITY_TYPES[hk_types[0]][1]
    encoded = pa.array(units, pa.string()).dictionary_encode()
    factor_of = pa.array([factors.get(u) for u in encoded.dictionary.to_pylist()], pa.float64())
    factor = pc.take(factor_of, encoded.indices).to_numpy(zero_copy_only=False)
    for index in np.flatnonzero(np.isnan(factor)):
        expected = ", ".join(factors)
        bad.append((int(index), f"unit: {units[index]!r} is not one of {expected}"))
    values = values * factor
    low, high = RANGES[record_type]
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(~np.isnan(values) & ((values < low) | (values > high)))
    bad.extend(
        (int(i), f"value: {values[i]:g} {STORED_UNITS[record_type]} outside [{low:g}, {high:g}]")
        for i in outside
    )
    extra = {
        "record_type": lambda n: pa.repeat(record_type, n),
        "unit": lambda n: pa.repeat(STORED_UNITS[record_type], n),
        "value": values,
    }
    return _build(
        RECORD_SCHEMA, sources, starts, ends, created, bad, extra,
        athlete_id=athlete_id, source_file=source_file, cutoff_us=cutoff_us,
    )  # fmt: skip


def build_sleep(
    rows: list[Raw], *, athlete_id: str, source_file: str, cutoff_us: int | None
) -> Built:
    """Sleep-analysis records as a `SLEEP_SCHEMA` table (stage names of settings.SLEEP_STAGES)."""
    hk_types, sources, _, texts, starts, ends, created, _ = zip(*rows, strict=True)
    stages = [_stage(text) for text in texts]
    bad = [(i, f"sleep value: unknown {texts[i]!r}") for i, s in enumerate(stages) if s is None]
    extra = {"stage": pa.array(stages, pa.string())}
    built = _build(
        SLEEP_SCHEMA, sources, starts, ends, created, bad, extra,
        athlete_id=athlete_id, source_file=source_file, cutoff_us=cutoff_us,
        max_span_us=int(MAX_SLEEP_SEGMENT.total_seconds() * 1e6),
    )  # fmt: skip
    return built


def _stage(text: str | None) -> str | None:
    if text is None:
        return None
    return SLEEP_STAGES.get(text.removeprefix(SLEEP_PREFIX))


def _build(
    schema: pa.Schema,
    sources: tuple,
    starts: tuple,
    ends: tuple,
    created: tuple,
    bad: list[tuple[int, str]],
    extra: dict[str, Any],
    *,
    athlete_id: str,
    source_file: str,
    cutoff_us: int | None,
    max_span_us: int | None = None,
) -> Built:
    count = len(sources)
    start_at, end_at = parse_times(list(starts)), parse_times(list(ends))
    start_us = _micros(start_at)
    end_us = _micros(end_at)
    for index in np.flatnonzero(~_valid(start_at)):
        bad.append((int(index), f"startDate: {_TIME_EXPECTED}: {starts[index]!r}"))
    for index in np.flatnonzero(~_valid(end_at)):
        bad.append((int(index), f"endDate: {_TIME_EXPECTED}: {ends[index]!r}"))
    both = _valid(start_at) & _valid(end_at)
    for index in np.flatnonzero(both & (end_us < start_us)):
        bad.append((int(index), f"endDate {ends[index]} is before startDate {starts[index]}"))
    if max_span_us is not None:
        for index in np.flatnonzero(both & (end_us - start_us > max_span_us)):
            bad.append((int(index), f"segment longer than {max_span_us // 3_600_000_000} h"))
    created_at = parse_times(list(created))
    reference = np.where(_valid(created_at), _micros(created_at), end_us)
    good = np.ones(count, dtype=bool)
    good[[index for index, _ in bad]] = False
    latest = int(reference[good].max()) if good.any() else None
    keep = good if cutoff_us is None else good & (reference >= cutoff_us)
    skipped = int((good & ~keep).sum())
    if not keep.any():
        return Built(None, bad, skipped, latest)
    indices = np.flatnonzero(keep)
    columns = {
        "athlete_id": pa.repeat(athlete_id, count),
        "source_name": pc.fill_null(pa.array(sources, pa.string()), UNKNOWN_SOURCE),
        "start_at": start_at,
        "end_at": end_at,
        "start_offset_s": pa.array(parse_offsets(list(starts)), pa.int32()),
        "end_offset_s": pa.array(parse_offsets(list(ends)), pa.int32()),
        "created_at": created_at,
        "source_file": pa.repeat(source_file, count),
    }
    for name, column in extra.items():
        columns[name] = column(count) if callable(column) else column
    take = pa.array(indices)
    arrays = []
    for column in schema:
        value = columns[column.name]
        array = (
            value.cast(column.type) if isinstance(value, pa.Array) else pa.array(value, column.type)
        )
        arrays.append(pc.take(array, take))
    return Built(pa.Table.from_arrays(arrays, schema=schema), bad, skipped, latest)


def _micros(array: pa.Array) -> np.ndarray:
    return array.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
