"""The raw tables of the Apple Health source as dlt hints (they travel with the arrow tables).

Every row has a natural key, its primary key: (athlete_id, record_type, source_name, start_at,
end_at, value) for quantity records, (athlete_id, source_name, stage, start_at, end_at) for
sleep, (athlete_id, record_key) for workouts (a hash of type, source, start and end). Tables
merge on it: a record sent twice (in two exports, or twice in one, which real exports do) is
one row. The key is made of columns rather than hashed per row: millions of rows, no Python.
"""

from __future__ import annotations

from typing import Any

import dlt

from .settings import SOURCE

_TEXT = {"data_type": "text"}
_DOUBLE = {"data_type": "double"}
_TS = {"data_type": "timestamp", "timezone": True}
_INTEGER = {"data_type": "bigint", "precision": 32}
_BIGINT = {"data_type": "bigint"}
_BOOL = {"data_type": "bool"}


def _required(column: dict[str, Any]) -> dict[str, Any]:
    return {**column, "nullable": False}


def _optional(column: dict[str, Any]) -> dict[str, Any]:
    return {**column, "nullable": True}


_SPAN = {
    "start_at": _required(_TS),
    "end_at": _required(_TS),
    "start_offset_s": _required(_INTEGER),  # the "+HHMM" of startDate, seconds east of UTC
    "end_offset_s": _required(_INTEGER),
    "created_at": _optional(_TS),
    "source_file": _required(_TEXT),
}

RECORD_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": _required(_TEXT),
    "record_type": _required(_TEXT),
    "source_name": _required(_TEXT),
    "unit": _required(_TEXT),
    "value": _required(_DOUBLE),
    **_SPAN,
}
SLEEP_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": _required(_TEXT),
    "source_name": _required(_TEXT),
    "stage": _required(_TEXT),
    **_SPAN,
}
WORKOUT_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": _required(_TEXT),
    "record_key": _required(_TEXT),
    "activity_type": _required(_TEXT),
    "source_name": _required(_TEXT),
    "duration_s": _optional(_DOUBLE),
    "energy_kcal": _optional(_DOUBLE),
    "distance_m": _optional(_DOUBLE),
    **_SPAN,
}
TYPE_COUNT_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": _required(_TEXT),
    "export_sha256": _required(_TEXT),
    "element": _required(_TEXT),
    "hk_type": _required(_TEXT),
    "record_count": _required(_BIGINT),
    "loaded": _required(_BOOL),
    "source_file": _required(_TEXT),
}

RECORDS_TABLE = f"{SOURCE}_records"
SLEEP_TABLE = f"{SOURCE}_sleep"
WORKOUTS_TABLE = f"{SOURCE}_workouts"
TYPE_COUNTS_TABLE = f"{SOURCE}_type_counts"
QUARANTINE_TABLE = f"{SOURCE}_quarantine"

NATURAL_KEY = ("athlete_id", "record_key")
RECORD_KEY = ("athlete_id", "record_type", "source_name", "start_at", "end_at", "value")
SLEEP_KEY = ("athlete_id", "source_name", "stage", "start_at", "end_at")


def _hints(table: str, columns: dict[str, dict[str, Any]], key: Any = NATURAL_KEY,
           disposition: str = "merge") -> Any:  # fmt: skip
    return dlt.mark.make_hints(
        table_name=table, write_disposition=disposition, primary_key=key, columns=columns
    )


RECORDS_HINTS = _hints(RECORDS_TABLE, RECORD_COLUMNS, RECORD_KEY)
SLEEP_HINTS = _hints(SLEEP_TABLE, SLEEP_COLUMNS, SLEEP_KEY)
WORKOUTS_HINTS = _hints(WORKOUTS_TABLE, WORKOUT_COLUMNS)
# Per export file: how many elements of each HealthKit type it held, loaded or not.
TYPE_COUNTS_HINTS = _hints(
    TYPE_COUNTS_TABLE, TYPE_COUNT_COLUMNS, ("athlete_id", "export_sha256", "element", "hk_type")
)
APPLE_HEALTH_TABLE_HINTS = (RECORDS_HINTS, SLEEP_HINTS, WORKOUTS_HINTS, TYPE_COUNTS_HINTS)

# The csv files of the record tables carry dlt's two columns themselves (parts.py).
_DLT = {"_dlt_load_id": _required(_TEXT), "_dlt_id": _required(_TEXT)}
KEYS = {RECORDS_TABLE: RECORD_KEY, SLEEP_TABLE: SLEEP_KEY, WORKOUTS_TABLE: NATURAL_KEY}


def row_hints(table: str, disposition: str) -> Any:
    """Hints of a record table for this run: appended (a first import) or merged."""
    columns = {RECORDS_TABLE: RECORD_COLUMNS, SLEEP_TABLE: SLEEP_COLUMNS}.get(table)
    if columns is None:
        return _hints(WORKOUTS_TABLE, WORKOUT_COLUMNS, NATURAL_KEY, disposition)
    return _hints(table, {**columns, **_DLT}, KEYS[table], disposition)
