"""A finished activity as the contract's three arrow tables (exact column names and types)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .columns import FILE_COLUMNS, LAP_COLUMNS, RECORD_COLUMNS
from .model import SAMPLE_FIELDS, FinishedActivity, Summary

TIMESTAMP = pa.timestamp("us", tz="UTC")


def _arrow_type(column: dict) -> pa.DataType:
    kind = column["data_type"]
    if kind == "text":
        return pa.string()
    if kind == "double":
        return pa.float64()
    if kind == "timestamp":
        return TIMESTAMP
    return {16: pa.int16(), 32: pa.int32()}.get(column.get("precision"), pa.int64())


def _schema(columns: dict[str, dict]) -> pa.Schema:
    return pa.schema(
        [pa.field(name, _arrow_type(c), nullable=c["nullable"]) for name, c in columns.items()]
    )


FILE_SCHEMA = _schema(FILE_COLUMNS)
RECORD_SCHEMA = _schema(RECORD_COLUMNS)
LAP_SCHEMA = _schema(LAP_COLUMNS)
_SUMMARY_COLUMNS = (
    "distance_m",
    "moving_time_s",
    "elapsed_time_s",
    "avg_heart_rate",
    "max_heart_rate",
    "avg_speed_mps",
    "elevation_gain_m",
    "avg_power_w",
    "calories",
)
_LAP_SUMMARY_COLUMNS = tuple(c for c in _SUMMARY_COLUMNS if c != "elevation_gain_m")


@dataclass(frozen=True)
class Version:
    """Who and where a decoded file version comes from, and what a Strava export says of it."""

    content_sha256: str
    athlete_id: str
    source_file: str
    strava_activity_id: int | None = None
    activity_name: str | None = None


def file_table(activity: FinishedActivity, version: Version) -> pa.Table:
    summary: Summary = activity.summary
    row = {
        "content_sha256": version.content_sha256,
        "athlete_id": version.athlete_id,
        "source_format": activity.source_format,
        "source_file": version.source_file,
        "file_identity": activity.file_identity,
        "device_serial": activity.device.serial,
        "device_manufacturer": activity.device.manufacturer,
        "device_product": activity.device.product,
        "sport": activity.sport,
        "sub_sport": activity.sub_sport,
        "started_at": _micros(activity.started_at),
        "utc_offset_s": activity.utc_offset_s,
        **{name: getattr(summary, name) for name in _SUMMARY_COLUMNS},
        "record_count": activity.record_count,
        "lap_count": len(activity.laps),
        "strava_activity_id": version.strava_activity_id,
        "activity_name": version.activity_name,
    }
    return pa.Table.from_pylist([row], schema=FILE_SCHEMA)


def records_table(activity: FinishedActivity, version: Version) -> pa.Table:
    n = activity.record_count
    arrays: dict[str, pa.Array] = {
        "content_sha256": pa.array([version.content_sha256] * n, pa.string()),
        "athlete_id": pa.array([version.athlete_id] * n, pa.string()),
        "recorded_at": pa.array(np.round(activity.times * 1e6).astype(np.int64), TIMESTAMP),
        "elapsed_s": pa.array(activity.elapsed_s, pa.float64()),
        "timer_s": pa.array(activity.timer_s, pa.float64()),
    }
    for name in SAMPLE_FIELDS:
        arrays[name] = _nullable(activity.columns[name], RECORD_SCHEMA.field(name).type)
    return pa.Table.from_arrays(list(arrays.values()), schema=RECORD_SCHEMA)


def laps_table(activity: FinishedActivity, version: Version) -> pa.Table:
    rows = [
        {
            "content_sha256": version.content_sha256,
            "athlete_id": version.athlete_id,
            "lap_index": index,
            "started_at": _micros(lap.started_at),
            **{name: getattr(lap.summary, name) for name in _LAP_SUMMARY_COLUMNS},
            "lap_trigger": lap.lap_trigger,
        }
        for index, lap in enumerate(activity.laps)
    ]
    return pa.Table.from_pylist(rows, schema=LAP_SCHEMA)


def _micros(epoch_s: float) -> int:
    return int(round(epoch_s * 1e6))


def _nullable(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A float array (NaN = missing) as an arrow array of `arrow_type` with nulls."""
    missing = np.isnan(values)
    if pa.types.is_floating(arrow_type):
        return pa.array(values, arrow_type, mask=missing)
    filled = np.where(missing, 0, values).astype(arrow_type.to_pandas_dtype())
    return pa.array(filled, arrow_type, mask=missing)
