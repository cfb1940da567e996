"""One `<Workout>` element → a row of apple_health_workouts (few per day: plain Python).

Exports before iOS 16 carry duration, distance and energy as attributes of the element; later
ones (also) as `<WorkoutStatistics type=… sum=… unit=…>` children. Attributes win when present.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .settings import (
    DISTANCE_STATISTICS,
    DISTANCE_UNITS,
    DURATION_UNITS,
    ENERGY_STATISTIC,
    ENERGY_UNITS,
    TIME_FORMAT,
    WORKOUT_PREFIX,
)
from .spans import UNKNOWN_SOURCE, record_key
from .times import _offset_seconds

_FIELDS = ("workoutActivityType", "sourceName", "startDate", "endDate", "duration")


class WorkoutError(ValueError):
    """A workout that cannot be loaded; the message is the quarantine reason."""


def workout_row(elem: Any, *, athlete_id: str, source_file: str) -> dict[str, Any]:
    """The row of one workout element (read before the element is cleared)."""
    get = elem.get
    start, end = _time(get("startDate"), "startDate"), _time(get("endDate"), "endDate")
    if end < start:
        raise WorkoutError(f"endDate {get('endDate')} is before startDate {get('startDate')}")
    statistics = {child.get("type"): child for child in elem.iterfind("WorkoutStatistics")}
    kind = _activity_type(get("workoutActivityType"))
    source = get("sourceName") or UNKNOWN_SOURCE
    duration = _amount(get("duration"), get("durationUnit"), DURATION_UNITS, "duration")
    energy = _amount(get("totalEnergyBurned"), get("totalEnergyBurnedUnit"), ENERGY_UNITS, "energy")
    if energy is None and ENERGY_STATISTIC in statistics:
        stat = statistics[ENERGY_STATISTIC]
        energy = _amount(stat.get("sum"), stat.get("unit"), ENERGY_UNITS, "energy")
    distance = _amount(get("totalDistance"), get("totalDistanceUnit"), DISTANCE_UNITS, "distance")
    for name in DISTANCE_STATISTICS:
        if distance is None and name in statistics:
            stat = statistics[name]
            distance = _amount(stat.get("sum"), stat.get("unit"), DISTANCE_UNITS, "distance")
    if duration is None:
        duration = (end - start).total_seconds()
    created = get("creationDate")
    return {
        "athlete_id": athlete_id,
        "record_key": record_key(
            get("workoutActivityType"), source, _micros(start), _micros(end), ""
        ),
        "activity_type": kind,
        "source_name": source,
        "duration_s": duration,
        "energy_kcal": energy,
        "distance_m": distance,
        "start_at": start,
        "end_at": end,
        "start_offset_s": _offset_seconds(get("startDate")[20:]),
        "end_offset_s": _offset_seconds(get("endDate")[20:]),
        "created_at": _time(created, "creationDate") if created else None,
        "source_file": source_file,
    }


def raw_workout(elem: Any) -> dict[str, str | None]:
    """The attributes that identify a workout, for its quarantine row."""
    return {name: elem.get(name) for name in _FIELDS}


def _time(text: str | None, name: str) -> datetime:
    try:
        return datetime.strptime(text or "", TIME_FORMAT)
    except ValueError:
        raise WorkoutError(f"{name}: not a 'YYYY-MM-DD HH:MM:SS +HHMM' time: {text!r}") from None


def _micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def _amount(text: str | None, unit: str | None, units: dict[str, float], name: str) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise WorkoutError(f"{name}: not a number: {text[:40]!r}") from None
    if unit not in units:
        raise WorkoutError(f"{name}: unit {unit!r} is not one of {', '.join(units)}")
    if not 0 <= value < 1e7:
        raise WorkoutError(f"{name}: {value:g} {unit} out of range")
    return value * units[unit]


def _activity_type(text: str | None) -> str:
    """HKWorkoutActivityTypeTraditionalStrengthTraining → traditional_strength_training."""
    name = (text or "Other").removeprefix(WORKOUT_PREFIX)
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index and not name[index - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out) or "other"
