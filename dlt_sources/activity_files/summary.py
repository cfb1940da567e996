"""From what a file says to what we load: ordered samples, timer seconds, a complete summary.

Samples are put in time order and made unique in time (the records' key): samples sharing a
timestamp (some devices split one second into two messages) are merged, the later message's
values winning. Implausible values become NULL (a heart rate of 0 is "no strap contact"), and
gaps are never filled. A file without any distance (GPX) gets the haversine distance along its
positions. The summary takes each value from the file (its session or laps) and,
where the file has none, computes it from the samples.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from .geo import cumulative_distance_m, elevation_gain_m
from .model import DecodedActivity, FinishedActivity, Lap, Summary
from .settings import (
    CADENCE_RANGE,
    HEART_RATE_RANGE,
    MAX_SPEED_MPS,
    POWER_RANGE,
    TEMPERATURE_RANGE,
)

log = logging.getLogger(__name__)

# Plausible range per sample column; integer columns are rounded (they load as smallint).
_RANGES: dict[str, tuple[float, float]] = {
    "heart_rate": HEART_RATE_RANGE,
    "cadence": CADENCE_RANGE,
    "power_w": POWER_RANGE,
    "temperature_c": TEMPERATURE_RANGE,
    "speed_mps": (0.0, MAX_SPEED_MPS),
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "distance_m": (0.0, 1e8),
    "altitude_m": (-1_000.0, 20_000.0),
}
INTEGER_COLUMNS = ("heart_rate", "cadence", "power_w", "temperature_c")


class EmptyActivityError(ValueError):
    """Nothing in the file places it in time."""


def finish(decoded: DecodedActivity) -> FinishedActivity:
    times, columns = decoded.samples.arrays()
    times, columns = _ordered_unique(times, columns)
    for name, (low, high) in _RANGES.items():
        column = columns[name]
        if name in INTEGER_COLUMNS:
            column = np.round(column)
        with np.errstate(invalid="ignore"):
            column[(column < low) | (column > high)] = np.nan
        columns[name] = column
    lat, lon = columns["lat"], columns["lon"]
    only_one = np.isnan(lat) != np.isnan(lon)
    lat[only_one] = lon[only_one] = np.nan  # half a position is no position
    if np.isnan(columns["distance_m"]).all():  # GPX: no distances, only positions
        columns["distance_m"] = cumulative_distance_m(lat, lon)
    started = decoded.started_at if decoded.started_at is not None else _first(times)
    if started is None:
        raise EmptyActivityError(
            f"{decoded.source_format.upper()} file has no timestamps: cannot place it in time"
        )
    elapsed = times - times[0] if times.size else times.copy()
    timer = timer_seconds(times, decoded.running)
    computed = summary_from_samples(times, elapsed, timer, columns)
    return FinishedActivity(
        source_format=decoded.source_format,
        sport=decoded.sport,
        sub_sport=decoded.sub_sport,
        started_at=float(started),
        times=times,
        elapsed_s=elapsed,
        timer_s=timer,
        columns=columns,
        laps=_filled_laps(decoded.laps, times, timer, columns),
        summary=decoded.summary.filled_from(computed),
        utc_offset_s=decoded.utc_offset_s,
        device=decoded.device,
    )


def _filled_laps(
    laps: list[Lap], times: np.ndarray, timer: np.ndarray, columns: dict[str, np.ndarray]
) -> list[Lap]:
    """Laps in time order, each value the file lacks computed from the lap's own samples."""
    ordered = sorted(laps, key=lambda lap: lap.started_at)
    filled = []
    for index, lap in enumerate(ordered):
        end = ordered[index + 1].started_at if index + 1 < len(ordered) else np.inf
        inside = (times >= lap.started_at) & (times < end)
        if not inside.any():
            filled.append(lap)
            continue
        part = {name: column[inside] for name, column in columns.items()}
        lap_times = times[inside]
        computed = summary_from_samples(
            lap_times, lap_times - lap.started_at, timer[inside] - timer[inside][0], part
        )
        distance = _known(part["distance_m"])
        computed.distance_m = float(distance[-1] - distance[0]) if distance.size > 1 else None
        if computed.distance_m is not None and computed.moving_time_s:
            computed.avg_speed_mps = computed.distance_m / computed.moving_time_s
        filled.append(replace(lap, summary=lap.summary.filled_from(computed)))
    return filled


def _first(times: np.ndarray) -> float | None:
    return float(times[0]) if times.size else None


def _ordered_unique(
    times: np.ndarray, columns: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    if times.size < 2 or bool(np.all(np.diff(times) > 0)):
        return times, columns
    order = np.argsort(times, kind="stable")
    times = times[order]
    columns = {name: column[order] for name, column in columns.items()}
    unique, first_index = np.unique(times, return_index=True)
    if unique.size == times.size:
        return times, columns
    log.info("%d samples shared a timestamp and were merged", times.size - unique.size)
    merged: dict[str, np.ndarray] = {}
    bounds = np.append(first_index, times.size)
    for name, column in columns.items():
        out = column[first_index].copy()
        for group in np.flatnonzero(np.diff(bounds) > 1):
            values = column[bounds[group] : bounds[group + 1]]
            known = values[~np.isnan(values)]
            out[group] = known[-1] if known.size else np.nan
        merged[name] = out
    return unique, merged


def timer_seconds(times: np.ndarray, running: list[tuple[float, float]] | None) -> np.ndarray:
    """Seconds the timer ran between the first sample and each sample (pauses excluded)."""
    if times.size == 0:
        return times.copy()
    if running is None:
        return times - times[0]
    timer = np.zeros(times.shape)
    for start, end in running:
        start = max(start, float(times[0]))
        timer += np.clip(np.minimum(times, end) - start, 0.0, None)
    return timer


def summary_from_samples(
    times: np.ndarray, elapsed: np.ndarray, timer: np.ndarray, columns: dict[str, np.ndarray]
) -> Summary:
    """What the samples alone say about the whole activity."""
    if times.size == 0:
        return Summary()
    distance = _last(columns["distance_m"])
    if distance is None:
        distance = _last(cumulative_distance_m(columns["lat"], columns["lon"]))
    moving = float(timer[-1])
    speed = _mean(columns["speed_mps"])
    if distance is not None and moving > 0:
        speed = distance / moving
    return Summary(
        distance_m=distance,
        moving_time_s=moving,
        elapsed_time_s=float(elapsed[-1]),
        avg_heart_rate=_mean(columns["heart_rate"]),
        max_heart_rate=_max(columns["heart_rate"]),
        avg_speed_mps=speed,
        elevation_gain_m=elevation_gain_m(columns["altitude_m"]),
        avg_power_w=_mean(columns["power_w"]),
        calories=None,
    )


def _known(column: np.ndarray) -> np.ndarray:
    return column[~np.isnan(column)]


def _last(column: np.ndarray) -> float | None:
    known = _known(column)
    return float(known.max()) if known.size else None  # distance only grows


def _mean(column: np.ndarray) -> float | None:
    known = _known(column)
    return float(known.mean()) if known.size else None


def _max(column: np.ndarray) -> float | None:
    known = _known(column)
    return float(known.max()) if known.size else None
