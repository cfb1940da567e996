"""A synthetic activity second by second, from a run dict of `simulate_athlete`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
FIT_SPORTS = {  # Strava sport_type → FIT (sport, sub_sport), TCX Sport
    "Run": ("running", "generic", "Running"),
    "TrailRun": ("running", "trail", "Running"),
    "Ride": ("cycling", "road", "Biking"),
    "Walk": ("walking", "generic", "Other"),
}


@dataclass
class Track:
    """One activity second by second; `running_s` is timer time (flat over pauses)."""

    sport_type: str
    start: datetime  # UTC, the first sample
    utc_offset_s: int
    serial: int
    wall_s: np.ndarray  # seconds since start, one per sample
    running_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    altitude: np.ndarray
    distance: np.ndarray
    speed: np.ndarray
    heart_rate: np.ndarray  # NaN: no reading (a sensor gap)
    cadence: np.ndarray
    power: np.ndarray | None
    temperature: np.ndarray
    pauses: list[tuple[int, int]] = field(default_factory=list)  # (stop, resume) sample index
    lap_starts: list[int] = field(default_factory=list)  # sample indexes; empty = no laps

    def times(self) -> list[datetime]:
        return [self.start + timedelta(seconds=float(s)) for s in self.wall_s]


def build_track(
    run: dict,
    *,
    timezone: str = "Europe/Paris",
    rng: np.random.Generator,
    laps: bool = True,
    hr_gap: bool = False,
    serial: int = 3_912_345_678,
) -> Track:
    """The per-second track of a run dict (start_local, sport_type, distance_m, moving and
    elapsed_time_s; optional elevation_gain_m, average_/max_heartrate).

    The timer is stopped elapsed − moving seconds in up to two pauses; a pause is a sample at
    the stop and one at the resume with the same timer second. `hr_gap`: the heart-rate strap
    reads nothing for a stretch (up to 150 s). `laps`: a lap every 1,000 m.
    """
    moving = int(run["moving_time_s"])
    running, wall, pauses = _timeline(moving, int(run["elapsed_time_s"]) - moving, rng)
    seconds = np.arange(moving + 1)
    pace = 1 + 0.06 * np.sin(2 * np.pi * seconds / rng.uniform(300, 900))
    step = pace * rng.normal(1, 0.03, moving + 1)
    step[0] = 0.0
    step *= run["distance_m"] / step.sum()  # metres covered in each running second
    bearing = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.02, moving + 1))
    lat0, lon0 = 48.85 + rng.normal(0, 0.02), 2.35 + rng.normal(0, 0.03)
    lat = lat0 + np.degrees(np.cumsum(step * np.cos(bearing)) / EARTH_RADIUS_M)
    east = np.cumsum(step * np.sin(bearing)) / (EARTH_RADIUS_M * np.cos(np.radians(lat0)))
    hills = run.get("elevation_gain_m", 30.0) / 4
    altitude = 35 + hills * (1 - np.cos(4 * np.pi * seconds / max(moving, 1)))
    average, highest = run.get("average_heartrate", 150.0), run.get("max_heartrate", 178.0)
    warm_up = np.minimum(1.0, seconds / 300)
    heart = 95 + (average - 95) * warm_up + 4 * np.sin(seconds / 97)
    heart = np.minimum(np.round(heart + rng.normal(0, 1.5, moving + 1)), highest)[running]
    n = running.size
    if hr_gap:
        heart[int(n * 0.4) : int(n * 0.4) + min(150, n // 5)] = np.nan
    sport = run["sport_type"] if run["sport_type"] in FIT_SPORTS else "Run"
    local_start = run["start_local"].replace(tzinfo=ZoneInfo(timezone))
    track = Track(
        sport_type=sport,
        start=local_start.astimezone(UTC),
        utc_offset_s=int(local_start.utcoffset().total_seconds()),
        serial=serial,
        wall_s=wall,
        running_s=running.astype(float),
        lat=lat[running],
        lon=lon0 + np.degrees(east)[running],
        altitude=np.round(altitude[running] * 5) / 5,  # FIT stores altitude in 0.2 m steps
        distance=np.round(np.cumsum(step)[running], 2),
        speed=np.round(step[running], 3),
        heart_rate=heart,
        cadence=np.round({"Ride": 88, "Walk": 56}.get(sport, 84) + rng.normal(0, 2, n)),
        power=np.round(rng.normal(190, 25, n).clip(0)) if sport == "Ride" else None,
        temperature=np.round(14 + np.arange(n) / max(n, 1) * 3),
        pauses=pauses,
    )
    if laps:
        marks = np.arange(1000.0, track.distance[-1], 1000.0)
        track.lap_starts = [0, *np.searchsorted(track.distance, marks).tolist()]
    return track


def _timeline(
    moving: int, paused: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Timer second and wall second of every sample, and the (stop, resume) sample pairs."""
    count = 0 if paused < 20 or moving < 240 else int(rng.integers(1, 3))
    stops = np.sort(rng.choice(np.arange(moving // 5, moving * 4 // 5), count, replace=False))
    first = int(paused * rng.uniform(0.3, 0.7)) if count == 2 else paused
    durations = [first, paused - first][:count]
    running = np.concatenate([np.arange(moving + 1), stops])
    resume = np.concatenate([np.zeros(moving + 1, bool), np.ones(count, bool)])
    wall = running.astype(float)
    for stop, duration in zip(stops, durations, strict=True):
        wall += np.where((running > stop) | ((running == stop) & resume), duration, 0)
    order = np.lexsort((resume, wall))
    running, wall = running[order], wall[order]
    pairs = [tuple(int(i) for i in np.flatnonzero(running == stop)) for stop in stops]
    return running, wall, pairs


def laps_of(track: Track) -> list[tuple[int, int]]:
    """(first, last) sample index of each lap; one lap when the track has none."""
    starts = track.lap_starts or [0]
    n = track.wall_s.size
    return [(s, (starts[k + 1] if k + 1 < len(starts) else n - 1)) for k, s in enumerate(starts)]


def stats_of(track: Track, first: int, last: int) -> dict:
    """Totals of samples first..last, as a device's lap or session summary states them."""
    hr = track.heart_rate[first : last + 1]
    hr = hr[~np.isnan(hr)]
    timer = float(track.running_s[last] - track.running_s[first])
    distance = float(track.distance[last] - track.distance[first])
    climbs = np.diff(track.altitude[first : last + 1])
    power = track.power
    return {
        "elapsed": float(track.wall_s[last] - track.wall_s[first]),
        "timer": timer,
        "distance": distance,
        "avg_hr": int(round(hr.mean())) if hr.size else None,
        "max_hr": int(hr.max()) if hr.size else None,
        "speed": round(distance / timer, 3) if timer else None,
        "ascent": int(round(climbs[climbs > 0].sum())),
        "power": None if power is None else int(round(power[first : last + 1].mean())),
        "calories": int(round(distance / 1000 * 65)),
    }
