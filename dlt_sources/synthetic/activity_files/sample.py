"""The sample athlete's activity files, its Strava bulk-export zip, and a bulk archive."""

from __future__ import annotations

import csv
import gzip
import io
import logging
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ...strava.export import write_activities_csv
from ...strava.settings import COL_FILENAME, COL_ID
from ..athlete import simulate_athlete
from .fit import fit_bytes, write_fit
from .track import Track, build_track
from .xml_files import gpx_bytes, write_gpx, write_tcx

log = logging.getLogger(__name__)

FIRST_STRAVA_ID = 9_000_000_000  # as in write_activities_csv: ids follow the runs' order
FIRST_BULK_DAY = datetime(2023, 1, 1, 7)
ZIP_DATE = (2026, 11, 1, 0, 0, 0)


def _run_track(runs: list[dict], index: int, seed: int, timezone: str) -> Track:
    """The track of runs[index]; every choice depends on (seed, index) only."""
    rng = np.random.default_rng([seed, index])
    back = len(runs) - 1 - index  # 0 = the most recent run
    laps, hr_gap = back % 3 != 1, back in (1, 7)
    serial = 3_900_000_000 + index
    return build_track(
        runs[index], timezone=timezone, rng=rng, laps=laps, hr_gap=hr_gap, serial=serial
    )


def _sample_format(back: int) -> str:
    if back in (3, 10):
        return "gpx"
    if back in (5, 14):
        return "tcx"
    return "fit.gz" if back % 4 == 2 else "fit"


def write_sample_activity_files(out_dir: Path, *, count: int = 24, seed: int = 7) -> list[Path]:
    """The sample athlete's `count` most recent runs as files, plus `strava_export.zip`.

    Mostly .fit, some .fit.gz, 2 .gpx, 2 .tcx. The zip holds activities.csv and 3 older runs
    (.fit.gz and .gpx) and, once more, the most recent run, which is also a plain file.
    """
    athlete = simulate_athlete("demo", seed=seed)
    runs = sorted(athlete.runs, key=lambda run: run["start_local"])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(max(0, len(runs) - count), len(runs)):
        kind = _sample_format(len(runs) - 1 - index)
        track = _run_track(runs, index, seed, athlete.timezone)
        path = out_dir / f"{runs[index]['start_local']:%Y-%m-%d_%H%M}_{track.sport_type}.{kind}"
        writer = {"gpx": write_gpx, "tcx": write_tcx}.get(kind, write_fit)
        written.append(writer(path, track))
    zipped = list(range(max(0, len(runs) - count - 3), len(runs) - count)) + [len(runs) - 1]
    export = out_dir / "strava_export.zip"
    written.append(_write_export_zip(export, runs, zipped, seed, athlete.timezone))
    log.info("wrote %d activity files to %s", len(written), out_dir)
    return written


def _write_export_zip(
    path: Path, runs: list[dict], indexes: list[int], seed: int, timezone: str
) -> Path:
    members = {
        FIRST_STRAVA_ID + i: f"activities/{FIRST_STRAVA_ID + i}.{'gpx' if n == 1 else 'fit.gz'}"
        for n, i in enumerate(indexes)
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_member("activities.csv"), _export_csv(runs, members, timezone))
        for i in indexes:
            name = members[FIRST_STRAVA_ID + i]
            track = _run_track(runs, i, seed, timezone)
            if name.endswith(".gpx"):
                archive.writestr(_member(name), gpx_bytes(track))
            else:
                archive.writestr(_member(name), gzip.compress(fit_bytes(track), mtime=0))
    return path


def _member(name: str) -> zipfile.ZipInfo:
    """A member with a fixed date: the same sample is the same zip, byte for byte."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _export_csv(runs: list[dict], members: dict[int, str], timezone: str) -> str:
    """Strava's activities.csv for the zipped runs (ids as in the sample's activities.csv)."""
    buffer = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        full = Path(folder) / "activities.csv"
        write_activities_csv(full, runs, timezone=timezone, first_id=FIRST_STRAVA_ID)
        rows = list(csv.reader(full.open(encoding="utf-8", newline="")))
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(rows[0])
    for cells in rows[1:]:
        if int(cells[COL_ID]) in members:
            cells[COL_FILENAME] = members[int(cells[COL_ID])]
            writer.writerow(cells)
    return buffer.getvalue()


def write_bulk_archive(path: Path, count: int = 1000, seed: int = 7) -> Path:
    """A Garmin-style export zip of `count` one-hour 1 Hz FIT activities (~3,600 records each).

    Written member by member: memory holds one activity at a time.
    """
    rng = np.random.default_rng(seed)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for i in range(count):
            moving = int(rng.normal(3600, 200))
            start = FIRST_BULK_DAY + timedelta(days=i, minutes=int(rng.integers(0, 600)))
            run = {
                "start_local": start,
                "sport_type": "Ride" if i % 7 == 3 else "Run",
                "moving_time_s": moving,
                "elapsed_time_s": moving + int(rng.integers(0, 300)),
                "distance_m": moving * float(rng.uniform(2.6, 3.4)),
                "average_heartrate": float(rng.normal(150, 8)),
                "max_heartrate": 182.0,
            }
            track = build_track(run, rng=rng, laps=i % 2 == 0, serial=3_800_000_000 + i)
            with archive.open(_member(f"DI_CONNECT/UploadedFiles/{i:05d}.fit"), "w") as member:
                member.write(fit_bytes(track))
    return path
