"""Measure API groups → `withings_measures` rows (a group that cannot load raises RowError)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..common.quarantine import RowError
from .settings import (
    BOUNDS,
    MAX_UNIT_EXPONENT,
    MEASURE_TYPES,
    MEASURE_TYPES_BY_NAME,
    REAL_MEASURE_CATEGORY,
)

MAX_BIGINT = 2**63 - 1


def group_rows(
    group: dict[str, Any], athlete_id: str, timezone: str, *, now: float | None = None
) -> list[dict[str, Any]]:
    """One row per known measure of a group; real value = value * 10^unit.

    RowError (naming the field) for a group that cannot be loaded: a missing or non-integer
    date, value or unit, a value outside the plausible range, a date in the future, a time
    zone that is not an IANA name (dbt converts with it).
    """
    if not isinstance(group, dict):
        raise RowError(f"group: expected an object, got {type(group).__name__}")
    if group.get("category", REAL_MEASURE_CATEGORY) != REAL_MEASURE_CATEGORY:
        return []  # a goal, not a measurement
    date = _integer(group.get("date"), "date")
    if date > (now or time.time()) + 86_400:
        raise RowError(f"date: {date} is in the future")
    measured_at = _instant(date, "date")
    modified = group.get("modified")
    modified_at = _instant(_integer(modified, "modified"), "modified") if modified else None
    grpid = group.get("grpid")
    if grpid is not None:
        _integer(grpid, "grpid")
    _check_timezone(timezone)
    measures = group.get("measures") or []
    if not isinstance(measures, list):
        raise RowError(f"measures: expected a list, got {type(measures).__name__}")
    rows = []
    for index, measure in enumerate(measures):
        field = f"measures[{index}]"
        if not isinstance(measure, dict):
            raise RowError(f"{field}: expected an object, got {type(measure).__name__}")
        name = MEASURE_TYPES.get(_integer(measure.get("type"), f"{field}.type"))
        if name is None:
            continue
        mantissa = _integer(measure.get("value"), f"{field}.value")
        unit = _integer(measure.get("unit"), f"{field}.unit")
        if not -MAX_UNIT_EXPONENT <= unit <= MAX_UNIT_EXPONENT:  # 10**huge would never finish
            raise RowError(
                f"{field}.unit: {unit} outside [-{MAX_UNIT_EXPONENT}, {MAX_UNIT_EXPONENT}]"
            )
        try:
            value = round(mantissa * 10**unit, 6)
        except OverflowError as exc:  # an int past float range times 10**-3
            raise RowError(f"{field}.value: outside the floating-point range") from exc
        low, high = BOUNDS[name]
        if not low <= value <= high:
            raise RowError(f"{field}.value: {name} {value:g} outside [{low:g}, {high:g}]")
        rows.append(
            {
                "athlete_id": athlete_id,
                "measured_at": measured_at,
                "measure_type": MEASURE_TYPES_BY_NAME[name],
                "measure_name": name,
                "value": value,
                "timezone": timezone,
                "grpid": grpid,
                "modified_at": modified_at,
            }
        )
    return rows


def _integer(value: Any, field: str) -> int:
    """An integer field of the API's JSON (Withings sends numbers, never strings)."""
    if value is None:
        raise RowError(f"{field}: missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(f"{field}: not an integer: {str(value)[:40]!r}")
    if not -MAX_BIGINT <= value <= MAX_BIGINT:
        raise RowError(f"{field}: outside the 64-bit integer range")
    return value


def _instant(epoch: int, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:  # beyond year 1..9999
        raise RowError(f"{field}: {epoch} is out of range") from exc


def _check_timezone(timezone: Any) -> None:
    if not isinstance(timezone, str):
        raise RowError(f"timezone: not text: {timezone!r:.40}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise RowError(f"timezone: {timezone[:40]!r} is not a known time zone") from exc
