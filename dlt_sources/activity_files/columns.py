"""The three raw tables of the activity-file contract (notes/activity_contract.md) as dlt hints.

All hints travel with the rows (table variants), none sit on the resource: resource-level hints
would also shape `activity_files_quarantine`, which the same resource routes bad files to. The
arrow tables the reader builds (`arrow_tables.py`) have exactly these columns and types, so dlt
infers nothing: `smallint` is a bigint of precision 16, `integer` of precision 32.
"""

from __future__ import annotations

from typing import Any

import dlt

from .settings import SOURCE

_TEXT = {"data_type": "text"}
_DOUBLE = {"data_type": "double"}
_TS = {"data_type": "timestamp", "timezone": True}
_SMALLINT = {"data_type": "bigint", "precision": 16}
_INTEGER = {"data_type": "bigint", "precision": 32}
_BIGINT = {"data_type": "bigint"}


def _required(column: dict[str, Any]) -> dict[str, Any]:
    return {**column, "nullable": False}


def _optional(column: dict[str, Any]) -> dict[str, Any]:
    return {**column, "nullable": True}


FILE_COLUMNS: dict[str, dict[str, Any]] = {
    "content_sha256": _required(_TEXT),
    "athlete_id": _required(_TEXT),
    "source_format": _required(_TEXT),
    "source_file": _required(_TEXT),
    "file_identity": _optional(_TEXT),
    "device_serial": _optional(_BIGINT),
    "device_manufacturer": _optional(_TEXT),
    "device_product": _optional(_TEXT),
    "sport": _required(_TEXT),
    "sub_sport": _optional(_TEXT),
    "started_at": _required(_TS),
    "utc_offset_s": _optional(_INTEGER),
    "distance_m": _optional(_DOUBLE),
    "moving_time_s": _optional(_DOUBLE),
    "elapsed_time_s": _optional(_DOUBLE),
    "avg_heart_rate": _optional(_DOUBLE),
    "max_heart_rate": _optional(_DOUBLE),
    "avg_speed_mps": _optional(_DOUBLE),
    "elevation_gain_m": _optional(_DOUBLE),
    "avg_power_w": _optional(_DOUBLE),
    "calories": _optional(_DOUBLE),
    "record_count": _required(_INTEGER),
    "lap_count": _required(_INTEGER),
    "strava_activity_id": _optional(_BIGINT),
    "activity_name": _optional(_TEXT),
}

RECORD_COLUMNS: dict[str, dict[str, Any]] = {
    "content_sha256": _required(_TEXT),
    "athlete_id": _required(_TEXT),
    "recorded_at": _required(_TS),
    "elapsed_s": _required(_DOUBLE),
    "timer_s": _required(_DOUBLE),
    "distance_m": _optional(_DOUBLE),
    "heart_rate": _optional(_SMALLINT),
    "speed_mps": _optional(_DOUBLE),
    "cadence": _optional(_SMALLINT),
    "power_w": _optional(_SMALLINT),
    "altitude_m": _optional(_DOUBLE),
    "lat": _optional(_DOUBLE),
    "lon": _optional(_DOUBLE),
    "temperature_c": _optional(_SMALLINT),
}

LAP_COLUMNS: dict[str, dict[str, Any]] = {
    "content_sha256": _required(_TEXT),
    "athlete_id": _required(_TEXT),
    "lap_index": _required(_INTEGER),
    "started_at": _required(_TS),
    "elapsed_time_s": _optional(_DOUBLE),
    "moving_time_s": _optional(_DOUBLE),
    "distance_m": _optional(_DOUBLE),
    "avg_heart_rate": _optional(_DOUBLE),
    "max_heart_rate": _optional(_DOUBLE),
    "avg_speed_mps": _optional(_DOUBLE),
    "avg_power_w": _optional(_DOUBLE),
    "calories": _optional(_DOUBLE),
    "lap_trigger": _optional(_TEXT),
}

FILES_TABLE = "activity_files"
RECORDS_TABLE = "activity_file_records"
LAPS_TABLE = "activity_file_laps"
QUARANTINE_TABLE = f"{SOURCE}_quarantine"

# One row per athlete's file version: merge on it, so a re-sent version replaces itself.
ACTIVITY_FILES_HINTS = dlt.mark.make_hints(
    table_name=FILES_TABLE,
    write_disposition="merge",
    primary_key=("athlete_id", "content_sha256"),
    columns=FILE_COLUMNS,
)
# Samples and laps of a version are replaced whole when the version is loaded again (merge on
# the version: dlt deletes the version's rows, then inserts the new ones, in one transaction).
# Normally a known version is not decoded at all (`skip_versions`); the merge is what keeps a
# run killed between loading the records and the version row from doubling them on retry.
# No primary key: dlt would deduplicate millions of staged rows by it, and a version's
# records are unique by construction (samples of one timestamp are combined when decoded).
VERSION_KEY = ("athlete_id", "content_sha256")
REPLACE_PER_VERSION = {"disposition": "merge", "strategy": "delete-insert"}
RECORDS_HINTS = dlt.mark.make_hints(
    table_name=RECORDS_TABLE,
    write_disposition=REPLACE_PER_VERSION,
    merge_key=VERSION_KEY,
    columns=RECORD_COLUMNS,
)
LAPS_HINTS = dlt.mark.make_hints(
    table_name=LAPS_TABLE,
    write_disposition=REPLACE_PER_VERSION,
    merge_key=VERSION_KEY,
    columns=LAP_COLUMNS,
)
HINTS_BY_TABLE = {
    FILES_TABLE: ACTIVITY_FILES_HINTS,
    RECORDS_TABLE: RECORDS_HINTS,
    LAPS_TABLE: LAPS_HINTS,
}
