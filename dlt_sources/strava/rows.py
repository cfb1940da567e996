"""One `strava_activities` row: its columns, and the mapping from an API SummaryActivity."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..common.quarantine import RowError
from ..common.textfile import check_text

ACTIVITY_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": {"data_type": "text", "nullable": False},
    "activity_id": {"data_type": "bigint", "nullable": False},
    "name": {"data_type": "text", "nullable": True},
    "sport_type": {"data_type": "text", "nullable": False},
    "type": {"data_type": "text", "nullable": True},
    "start_date": {"data_type": "timestamp", "nullable": False, "timezone": True},
    # Wall-clock start where the activity happened (Strava's start_date_local, no zone).
    "start_date_local": {"data_type": "timestamp", "nullable": True, "timezone": False},
    "timezone": {"data_type": "text", "nullable": True},
    "distance_m": {"data_type": "double", "nullable": True},
    "moving_time_s": {"data_type": "bigint", "nullable": True},
    "elapsed_time_s": {"data_type": "bigint", "nullable": True},
    "total_elevation_gain_m": {"data_type": "double", "nullable": True},
    "average_speed": {"data_type": "double", "nullable": True},
    "max_speed": {"data_type": "double", "nullable": True},
    "average_heartrate": {"data_type": "double", "nullable": True},
    "max_heartrate": {"data_type": "double", "nullable": True},
    "data_source": {"data_type": "text", "nullable": False},
    "source_file": {"data_type": "text", "nullable": True},
}

_TZ_LABEL = re.compile(r"^\(GMT[+-]\d{1,2}:\d{2}\)\s*(\S+)$")


MAX_BIGINT = 2**63 - 1  # PostgreSQL bigint


def iana_timezone(label: Any) -> str | None:
    """The IANA name of "(GMT+01:00) Europe/Paris"; None when absent or unknown."""
    if not isinstance(label, str):
        return None
    match = _TZ_LABEL.match(label.strip())
    name = match.group(1) if match else label.strip()
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a 300-char name
        return None
    return name


def _instant(text: Any, field: str, *, local: bool) -> datetime:
    try:
        moment = datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as exc:
        raise RowError(f"{field}: {str(text)[:40]!r} is not YYYY-MM-DDTHH:MM:SSZ") from exc
    # start_date_local carries a "Z" but is a local wall-clock time: keep it naive.
    return moment if local else moment.replace(tzinfo=UTC)


def _number(activity: dict[str, Any], key: str, cast: type = float) -> Any:
    value = activity.get(key)
    if value is None:
        return None
    try:
        number = cast(value)
    except (TypeError, ValueError, OverflowError) as exc:  # Overflow: 1e400 as an int, inf
        raise RowError(f"{key}: not a number: {str(value)[:40]!r}") from exc
    if cast is float and not math.isfinite(number):  # nan/inf would break the SQL insert
        raise RowError(f"{key}: not a finite number: {str(value)[:40]!r}")
    if cast is int and abs(number) > MAX_BIGINT:
        raise RowError(f"{key}: {str(value)[:40]} is out of range")
    return number


def api_row(activity: dict[str, Any], athlete_id: str) -> dict[str, Any]:
    """The columns we keep of one SummaryActivity; RowError when it cannot be loaded."""
    if not isinstance(activity, dict):
        raise RowError(f"activity: expected an object, got {type(activity).__name__}")
    activity_id = activity.get("id")
    if isinstance(activity_id, bool) or not isinstance(activity_id, int) or activity_id <= 0:
        raise RowError(f"id: missing or not a positive integer: {activity_id!r:.40}")
    if activity_id > MAX_BIGINT:
        raise RowError(f"id: {str(activity_id)[:40]} is out of range")
    if "start_date" not in activity:
        raise RowError("start_date: missing")
    sport_type = activity.get("sport_type") or activity.get("type")
    if not sport_type:
        raise RowError("sport_type: missing")
    for key in ("name", "type"):  # text columns: a number or an object would not load
        if activity.get(key) is not None and not isinstance(activity[key], str):
            raise RowError(f"{key}: not text: {activity[key]!r:.40}")
    if not isinstance(sport_type, str):
        raise RowError(f"sport_type: not text: {sport_type!r:.40}")
    texts = ("name", "sport_type", "type", "timezone")
    check_text([activity.get(key) for key in texts], lambda index: texts[index])
    local = activity.get("start_date_local")
    return {
        "athlete_id": athlete_id,
        "activity_id": activity["id"],
        "name": activity.get("name"),
        "sport_type": sport_type,
        "type": activity.get("type"),
        "start_date": _instant(activity["start_date"], "start_date", local=False),
        "start_date_local": _instant(local, "start_date_local", local=True) if local else None,
        "timezone": iana_timezone(activity.get("timezone")),
        "distance_m": _number(activity, "distance"),
        "moving_time_s": _number(activity, "moving_time", int),
        "elapsed_time_s": _number(activity, "elapsed_time", int),
        "total_elevation_gain_m": _number(activity, "total_elevation_gain"),
        "average_speed": _number(activity, "average_speed"),
        "max_speed": _number(activity, "max_speed"),
        "average_heartrate": _number(activity, "average_heartrate"),
        "max_heartrate": _number(activity, "max_heartrate"),
        "data_source": "api",
        "source_file": None,
    }
