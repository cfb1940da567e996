"""Attribute texts of many records (arrow columns) → one typed arrow table, plus the bad rows.

Readers only collect each record's attribute texts; here a batch becomes typed columns in a
few vectorised passes: times with their `+HHMM` offsets (fixed-width digits read in numpy;
anything unusual goes through arrow's strptime, as before), decimal commas, units, ranges.
Rows that cannot be loaded (an unparseable date or value, an unexpected unit, a value out of
range, end before start, an unknown sleep stage) come back as (index, reason) for the
quarantine. Rows created before the cutoff were loaded by an earlier export and are dropped.
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
    QUANTITY_TYPES,
    RANGES,
    SLEEP_PREFIX,
    SLEEP_STAGES,
    STORED_UNITS,
)
from .times import parse_times

TIMESTAMP = pa.timestamp("us", tz="UTC")
UNKNOWN_SOURCE = "unknown"
_TIME_EXPECTED = "not a 'YYYY-MM-DD HH:MM:SS +HHMM' time"
FIELDS = ("type", "sourceName", "unit", "value", "startDate", "endDate", "creationDate")


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
class RawRecords:
    """Attribute texts of records of one HealthKit type (string arrays) and their lines."""

    hk_type: str
    source: pa.Array
    unit: pa.Array
    value: pa.Array
    start: pa.Array
    end: pa.Array
    created: pa.Array
    line: np.ndarray

    def raw(self, index: int) -> dict[str, Any]:
        """One record's attributes, for its quarantine row."""
        texts = (self.source, self.unit, self.value, self.start, self.end, self.created)
        return dict(zip(FIELDS, [self.hk_type, *(a[index].as_py() for a in texts)], strict=True))


@dataclass
class Built:
    """What a batch became: the table (None when no row is kept) and the rest accounted for."""

    table: pa.Table | None
    bad: list[tuple[int, str]] = field(default_factory=list)  # (index in the batch, reason)
    skipped: int = 0  # created before the cutoff: loaded by an earlier export
    latest_us: int | None = None  # the latest creation (else end) instant of a good row


def parse_values(texts: pa.Array) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Numbers, a decimal comma (a localised phone's export) read as a point; bad → reasons."""
    array = pc.replace_substring(texts, ",", ".")
    try:
        values = pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        return _parse_values_one_by_one(array.to_pylist())
    bad = [(int(i), "value: missing") for i in np.flatnonzero(~_valid(values))]
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


def _lookup(texts: pa.Array, mapping: dict[Any, Any], kind: pa.DataType) -> pa.Array:
    """`mapping[text]` for each text, through the (few) distinct texts; null when unknown."""
    encoded = texts.dictionary_encode()
    mapped = pa.array([mapping.get(t) for t in encoded.dictionary.to_pylist()], kind)
    return pc.take(mapped, encoded.indices)


def build_records(raw: RawRecords, *, record_type: str, athlete_id: str, source_file: str,
                  cutoff_us: int | None) -> Built:  # fmt: skip
    """Quantity records of one record_type as a `RECORD_SCHEMA` table."""
    values, bad = parse_values(raw.value)
    factors = QUANTITY_TYPES[raw.hk_type][1]
    factor = _lookup(raw.unit, factors, pa.float64()).fill_null(np.nan)
    factor = factor.to_numpy(zero_copy_only=False)
    for index in np.flatnonzero(np.isnan(factor)):
        unit = raw.unit[int(index)].as_py()
        bad.append((int(index), f"unit: {unit!r} is not one of {', '.join(factors)}"))
    values = values * factor
    low, high = RANGES[record_type]
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(~np.isnan(values) & ((values < low) | (values > high)))
    bad.extend(
        (int(i), f"value: {values[i]:g} {STORED_UNITS[record_type]} outside [{low:g}, {high:g}]")
        for i in outside
    )
    extra = {
        "record_type": pa.repeat(record_type, len(values)),
        "unit": pa.repeat(STORED_UNITS[record_type], len(values)),
        "value": pa.array(values, pa.float64()),
    }
    return _build(RECORD_SCHEMA, raw, bad, extra, athlete_id=athlete_id,
                  source_file=source_file, cutoff_us=cutoff_us)  # fmt: skip


def build_sleep(raw: RawRecords, *, athlete_id: str, source_file: str,
                cutoff_us: int | None) -> Built:  # fmt: skip
    """Sleep-analysis records as a `SLEEP_SCHEMA` table (stage names of settings.SLEEP_STAGES)."""
    stages_of = {**SLEEP_STAGES, **{SLEEP_PREFIX + k: v for k, v in SLEEP_STAGES.items()}}
    stages = _lookup(raw.value, stages_of, pa.string())
    bad = [(int(i), f"sleep value: unknown {raw.value[int(i)].as_py()!r}")
           for i in np.flatnonzero(~_valid(stages))]  # fmt: skip
    return _build(SLEEP_SCHEMA, raw, bad, {"stage": stages}, athlete_id=athlete_id,
                  source_file=source_file, cutoff_us=cutoff_us,
                  max_span_us=int(MAX_SLEEP_SEGMENT.total_seconds() * 1e6))  # fmt: skip


def _build(schema: pa.Schema, raw: RawRecords, bad: list[tuple[int, str]],
           extra: dict[str, Any], *, athlete_id: str, source_file: str, cutoff_us: int | None,
           max_span_us: int | None = None) -> Built:  # fmt: skip
    count = len(raw.source)
    (start_at, start_offset), (end_at, end_offset) = parse_times(raw.start), parse_times(raw.end)
    start_us, end_us = _micros(start_at), _micros(end_at)
    for name, texts, parsed in (("startDate", raw.start, start_at), ("endDate", raw.end, end_at)):
        for index in np.flatnonzero(~_valid(parsed)):
            bad.append((int(index), f"{name}: {_TIME_EXPECTED}: {texts[int(index)].as_py()!r}"))
    both = _valid(start_at) & _valid(end_at)
    for index in np.flatnonzero(both & (end_us < start_us)):
        i = int(index)
        bad.append((i, f"endDate {raw.end[i].as_py()} is before startDate {raw.start[i].as_py()}"))
    if max_span_us is not None:
        for index in np.flatnonzero(both & (end_us - start_us > max_span_us)):
            bad.append((int(index), f"segment longer than {max_span_us // 3_600_000_000} h"))
    created_at, _ = parse_times(raw.created)
    reference = np.where(_valid(created_at), _micros(created_at), end_us)
    good = np.ones(count, dtype=bool)
    good[[index for index, _ in bad]] = False
    latest = int(reference[good].max()) if good.any() else None
    keep = good if cutoff_us is None else good & (reference >= cutoff_us)
    skipped = int((good & ~keep).sum())
    if not keep.any():
        return Built(None, bad, skipped, latest)
    columns = {
        "athlete_id": pa.repeat(athlete_id, count),
        "source_name": pc.fill_null(raw.source, UNKNOWN_SOURCE),
        "start_at": start_at, "end_at": end_at,
        "start_offset_s": pa.array(start_offset, pa.int32()),
        "end_offset_s": pa.array(end_offset, pa.int32()),
        "created_at": created_at, "source_file": pa.repeat(source_file, count), **extra,
    }  # fmt: skip
    arrays = [columns[column.name].cast(column.type) for column in schema]
    table = pa.Table.from_arrays(arrays, schema=schema)
    return Built(table if keep.all() else table.filter(pa.array(keep)), bad, skipped, latest)


def _micros(array: pa.Array) -> np.ndarray:
    return array.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
