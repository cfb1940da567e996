"""Oura documents → `oura_sleep` and `oura_daily_readiness` rows (RowError when unloadable)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from ..common.quarantine import RowError
from ..common.textfile import check_text
from .settings import (
    BREATH_RANGE,
    DURATION_RANGE_S,
    HEART_RATE_RANGE,
    HRV_RANGE_MS,
    PERCENT_RANGE,
    TEMPERATURE_DEVIATION_RANGE_C,
)

SLEEP_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": {"data_type": "text", "nullable": False},
    "sleep_id": {"data_type": "text", "nullable": False},  # Oura's document id
    "day": {"data_type": "date", "nullable": False},  # the day Oura files it under (wake-up)
    "sleep_type": {"data_type": "text", "nullable": False},  # long_sleep, sleep, late_nap, …
    "bedtime_start": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "bedtime_end": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "utc_offset_s": {"data_type": "bigint", "nullable": True},  # of bedtime_end, local time
    "total_sleep_duration_s": {"data_type": "double", "nullable": True},
    "deep_sleep_duration_s": {"data_type": "double", "nullable": True},
    "rem_sleep_duration_s": {"data_type": "double", "nullable": True},
    "light_sleep_duration_s": {"data_type": "double", "nullable": True},
    "awake_time_s": {"data_type": "double", "nullable": True},
    "time_in_bed_s": {"data_type": "double", "nullable": True},
    "latency_s": {"data_type": "double", "nullable": True},
    "efficiency": {"data_type": "double", "nullable": True},  # percent
    "average_heart_rate": {"data_type": "double", "nullable": True},  # bpm
    "lowest_heart_rate": {"data_type": "double", "nullable": True},  # bpm
    "average_hrv": {"data_type": "double", "nullable": True},  # RMSSD, ms
    "average_breath": {"data_type": "double", "nullable": True},  # breaths per minute
    "readiness_score_delta": {"data_type": "double", "nullable": True},
    "sleep_score_delta": {"data_type": "double", "nullable": True},
}

READINESS_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": {"data_type": "text", "nullable": False},
    "day": {"data_type": "date", "nullable": False},
    "readiness_id": {"data_type": "text", "nullable": False},
    "score": {"data_type": "double", "nullable": True},
    "temperature_deviation_c": {"data_type": "double", "nullable": True},
    "temperature_trend_deviation_c": {"data_type": "double", "nullable": True},
    "contributors": {"data_type": "json", "nullable": True},  # each contributor 1–100
    "document_timestamp": {"data_type": "timestamp", "nullable": True, "timezone": True},
}

# Oura field -> (column, plausible range).
SLEEP_NUMBERS: dict[str, tuple[str, tuple[float, float]]] = {
    "total_sleep_duration": ("total_sleep_duration_s", DURATION_RANGE_S),
    "deep_sleep_duration": ("deep_sleep_duration_s", DURATION_RANGE_S),
    "rem_sleep_duration": ("rem_sleep_duration_s", DURATION_RANGE_S),
    "light_sleep_duration": ("light_sleep_duration_s", DURATION_RANGE_S),
    "awake_time": ("awake_time_s", DURATION_RANGE_S),
    "time_in_bed": ("time_in_bed_s", DURATION_RANGE_S),
    "latency": ("latency_s", DURATION_RANGE_S),
    "efficiency": ("efficiency", PERCENT_RANGE),
    "average_heart_rate": ("average_heart_rate", HEART_RATE_RANGE),
    "lowest_heart_rate": ("lowest_heart_rate", HEART_RATE_RANGE),
    "average_hrv": ("average_hrv", HRV_RANGE_MS),
    "average_breath": ("average_breath", BREATH_RANGE),
    "readiness_score_delta": ("readiness_score_delta", (-100.0, 100.0)),
    "sleep_score_delta": ("sleep_score_delta", (-100.0, 100.0)),
}


def _object(document: Any, noun: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise RowError(f"{noun}: expected an object, got {type(document).__name__}")
    return document


def _text(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RowError(f"{key}: missing or not text: {value!r:.40}")
    check_text([value], lambda _index: key)
    return value


def _day(document: dict[str, Any]) -> date:
    text = _text(document, "day")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise RowError(f"day: {text[:40]!r} is not YYYY-MM-DD") from exc


def _instant(document: dict[str, Any], key: str) -> datetime:
    text = _text(document, key)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RowError(f"{key}: {text[:40]!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise RowError(f"{key}: {text[:40]!r} has no UTC offset")
    return moment


def _number(value: Any, key: str, bounds: tuple[float, float]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{key}: not a number: {str(value)[:40]!r}")
    number = float(value)
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        raise RowError(f"{key}: {number:g} outside [{bounds[0]:g}, {bounds[1]:g}]")
    return number


def sleep_row(document: Any, athlete_id: str) -> dict[str, Any]:
    """The columns we keep of one sleep period (5-minute samples and hypnograms are left out)."""
    document = _object(document, "sleep period")
    start, end = _instant(document, "bedtime_start"), _instant(document, "bedtime_end")
    if end < start:
        raise RowError(f"bedtime_end: {document['bedtime_end']} is before bedtime_start")
    offset = end.utcoffset()
    row: dict[str, Any] = {
        "athlete_id": athlete_id,
        "sleep_id": _text(document, "id"),
        "day": _day(document),
        "sleep_type": _text(document, "type"),
        "bedtime_start": start,
        "bedtime_end": end,
        "utc_offset_s": int(offset.total_seconds()) if offset is not None else None,
    }
    for key, (column, bounds) in SLEEP_NUMBERS.items():
        row[column] = _number(document.get(key), key, bounds)
    return row


def readiness_row(document: Any, athlete_id: str) -> dict[str, Any]:
    """One day's readiness: score, temperature deviations (°C) and the contributor scores."""
    document = _object(document, "daily readiness")
    contributors = document.get("contributors")
    if contributors is not None:
        contributors = _object(contributors, "contributors")
        for key, value in contributors.items():
            _number(value, f"contributors.{key}", PERCENT_RANGE)
    timestamp = _instant(document, "timestamp") if document.get("timestamp") else None
    deviation = TEMPERATURE_DEVIATION_RANGE_C
    return {
        "athlete_id": athlete_id,
        "day": _day(document),
        "readiness_id": _text(document, "id"),
        "score": _number(document.get("score"), "score", PERCENT_RANGE),
        "temperature_deviation_c": _number(
            document.get("temperature_deviation"), "temperature_deviation", deviation
        ),
        "temperature_trend_deviation_c": _number(
            document.get("temperature_trend_deviation"), "temperature_trend_deviation", deviation
        ),
        "contributors": contributors or None,  # jsonb (the source nests no tables)
        "document_timestamp": timestamp,
    }
