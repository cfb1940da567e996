"""Builders for Strava SummaryActivity JSON, as returned by ``GET /athlete/activities``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

# sport_type -> deprecated `type` where the two differ.
_LEGACY_TYPE = {
    "TrailRun": "Run",
    "MountainBikeRide": "Ride",
    "GravelRide": "Ride",
    "EMountainBikeRide": "EBikeRide",
}


def _iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_strava_activity(
    activity_id: int,
    start: datetime,
    *,
    name: str = "Morning Run",
    sport_type: str = "Run",
    distance: float = 10_000.0,
    moving_time: int = 3_000,
    elapsed_time: int | None = None,
    total_elevation_gain: float = 42.0,
    timezone: str = "Europe/Paris",
    average_heartrate: float | None = 148.2,
    max_heartrate: float | None = 171.0,
    athlete_id: int = 1234567,
    **extra: Any,
) -> dict[str, Any]:
    """A SummaryActivity as listed by ``/athlete/activities``.

    ``start`` must be timezone-aware. ``start_date_local`` keeps Strava's quirk of a ``Z``
    suffix on a local wall-clock time. Heart-rate fields are omitted when ``average_heartrate``
    is None, as Strava does for activities without HR data.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    start_utc = start.astimezone(UTC)
    local = start_utc.astimezone(ZoneInfo(timezone))
    offset = local.utcoffset()
    utc_offset = offset.total_seconds() if offset is not None else 0.0
    sign = "+" if utc_offset >= 0 else "-"
    hours, minutes = divmod(int(abs(utc_offset)) // 60, 60)
    elapsed = elapsed_time if elapsed_time is not None else moving_time + 120
    activity: dict[str, Any] = {
        "resource_state": 2,
        "athlete": {"id": athlete_id, "resource_state": 1},
        "name": name,
        "distance": float(distance),
        "moving_time": moving_time,
        "elapsed_time": elapsed,
        "total_elevation_gain": float(total_elevation_gain),
        "type": _LEGACY_TYPE.get(sport_type, sport_type),
        "sport_type": sport_type,
        "workout_type": None,
        "id": activity_id,
        "start_date": _iso_z(start_utc),
        "start_date_local": _iso_z(local.replace(tzinfo=None)),
        "timezone": f"(GMT{sign}{hours:02d}:{minutes:02d}) {timezone}",
        "utc_offset": utc_offset,
        "location_city": None,
        "location_state": None,
        "location_country": None,
        "achievement_count": 0,
        "kudos_count": 0,
        "comment_count": 0,
        "athlete_count": 1,
        "photo_count": 0,
        "map": {"id": f"a{activity_id}", "summary_polyline": "", "resource_state": 2},
        "trainer": False,
        "commute": False,
        "manual": False,
        "private": False,
        "visibility": "everyone",
        "flagged": False,
        "gear_id": None,
        "start_latlng": [],
        "end_latlng": [],
        "average_speed": round(distance / moving_time, 3) if moving_time else 0.0,
        "max_speed": round(distance / moving_time * 1.4, 3) if moving_time else 0.0,
        "has_heartrate": average_heartrate is not None,
        "heartrate_opt_out": False,
        "display_hide_heartrate_option": average_heartrate is not None,
        "upload_id": activity_id * 10,
        "upload_id_str": str(activity_id * 10),
        "external_id": f"{activity_id}.fit",
        "from_accepted_tag": False,
        "pr_count": 0,
        "total_photo_count": 0,
        "has_kudoed": False,
    }
    if average_heartrate is not None:
        activity["average_heartrate"] = average_heartrate
        activity["max_heartrate"] = max_heartrate
    activity.update(extra)
    return activity


def start_epoch(activity: Mapping[str, Any]) -> float:
    return (
        datetime.strptime(activity["start_date"], "%Y-%m-%dT%H:%M:%SZ")
        .replace(tzinfo=UTC)
        .timestamp()
    )
