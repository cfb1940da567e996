"""Small real activity files for the activity-file tests, and a way to read them back.

Files are written by the real encoders of `dlt_sources.synthetic.activity_files` (Garmin's FIT
SDK, lxml, gpxpy) from a short synthetic track; the expected values come from that track.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from dlt_sources.activity_files.reader import RunReader, VersionTables
from dlt_sources.common.files import SourceFile
from dlt_sources.common.isolation import isolated_file_items
from dlt_sources.synthetic.activity_files import Track, build_track

START = datetime(2026, 6, 14, 7, 30)  # local time, Europe/Paris (UTC+2 in June)


def short_run(
    minutes: float = 8, *, sport: str = "Run", paused_s: int = 0, start: datetime = START
) -> dict:
    """A run dict like `simulate_athlete`'s, short enough for fast tests."""
    moving = int(minutes * 60)
    return {
        "start_local": start,
        "name": f"Test {sport}",
        "sport_type": sport,
        "distance_m": moving * (7.5 if sport == "Ride" else 3.1),
        "moving_time_s": moving,
        "elapsed_time_s": moving + paused_s,
        "elevation_gain_m": 24.0,
        "average_heartrate": 152.0,
        "max_heartrate": 181.0,
    }


def track_of(run: dict, *, seed: int = 1, laps: bool = True, hr_gap: bool = False) -> Track:
    return build_track(run, rng=np.random.default_rng(seed), laps=laps, hr_gap=hr_gap)


@dataclass
class ReadResult:
    versions: list[VersionTables] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def files(self) -> list[dict]:
        return [row for v in self.versions for row in v.files.to_pylist()]

    def records(self, index: int = 0) -> Any:
        return self.versions[index].records.to_pandas()


def source_file(path: Path, result: ReadResult, athlete: str = "demo") -> SourceFile:
    def reject(reason: str) -> None:
        result.rejected.append((path.name, reason))

    return SourceFile(path=path, athlete_id=athlete, timezone="Europe/Paris", on_reject=reject)


def read_files(
    *paths: Path, skip_sha256: tuple[str, ...] = (), athlete: str = "demo"
) -> ReadResult:
    """What the source's reader yields for these files, under whole-file isolation."""
    result = ReadResult()
    reader = RunReader(skip_versions=frozenset((athlete, sha) for sha in skip_sha256))
    for path in paths:
        one = source_file(path, result, athlete)
        for item in isolated_file_items("activity_files", one, reader.read):
            if isinstance(item, VersionTables):
                result.versions.append(item)
            else:
                result.quarantined.append(item.data if hasattr(item, "data") else item)
    result.counts = dict(reader.counts)
    return result
