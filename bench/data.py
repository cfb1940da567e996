"""Deterministic benchmark data: N synthetic athletes in each vendor's export format.

Scale 1 is exactly the bundled sample (athlete `demo`, seed 7, 3 years); scale N adds athletes
`bench02`… with their own seeds. `extension_files` writes "1 % new data": every athlete's
simulation continued by 1 % more days, only the new events, as a new export file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dlt_sources.crossfit.csv_log import write_log_csv
from dlt_sources.strava.export import write_activities_csv
from dlt_sources.synthetic.athlete import SyntheticAthlete, simulate_athlete
from dlt_sources.withings.export import write_weight_csv

SOURCES = ("withings", "strava", "crossfit")
FILE_NAMES = {"withings": "weight.csv", "strava": "activities.csv", "crossfit": "crossfit_log.csv"}
END = date(2026, 10, 31)
YEARS = 3.0
DAYS = int(round(365.25 * YEARS))


@dataclass(frozen=True)
class BenchAthlete:
    athlete_id: str
    seed: int


def athletes(scale: int) -> list[BenchAthlete]:
    """`demo` (the sample athlete) plus scale-1 more, each with a seed of its own."""
    return [BenchAthlete("demo", 7)] + [
        BenchAthlete(f"bench{i:03d}", 1000 + i) for i in range(2, scale + 1)
    ]


def _simulate(athlete: BenchAthlete, extra_days: int = 0) -> SyntheticAthlete:
    # Same start day and seed: the first DAYS days are identical, the extra ones are new.
    return simulate_athlete(
        athlete.athlete_id,
        end=END + timedelta(days=extra_days),
        years=(DAYS + extra_days) / 365.25,
        seed=athlete.seed,
    )


def _write(source: str, path: Path, sim: SyntheticAthlete, first_run: int = 0) -> int:
    if source == "withings":
        write_weight_csv(path, sim.weigh_ins)
        return len(sim.weigh_ins)
    if source == "strava":
        # Activity ids count up from the athlete's first run, as in the sample export.
        first_id = 9_000_000_000 + first_run
        return write_activities_csv(path, sim.runs, timezone=sim.timezone, first_id=first_id)
    return write_log_csv(path, sim.crossfit_sets)


def _extra_days(share: float) -> int:
    return max(1, math.ceil(DAYS * share)) if share else 0


def export_files(
    scale: int, out_dir: Path, extra_share: float = 0.0
) -> dict[str, list[tuple[str, Path]]]:
    """Every athlete's full exports: {source: [(athlete_id, path), …]}.

    `extra_share` > 0 gives a re-export: the whole history plus that share of new days.
    """
    files: dict[str, list[tuple[str, Path]]] = {source: [] for source in SOURCES}
    for athlete in athletes(scale):
        sim = _simulate(athlete, _extra_days(extra_share))
        for source in SOURCES:
            path = out_dir / athlete.athlete_id / source / FILE_NAMES[source]
            _write(source, path, sim)
            files[source].append((athlete.athlete_id, path))
    return files


def extension_files(
    scale: int, out_dir: Path, share: float = 0.01
) -> dict[str, list[tuple[str, Path]]]:
    """New export files holding only the events of the next `share` × DAYS days."""
    extra = _extra_days(share)
    cutoff = END + timedelta(days=1)
    files: dict[str, list[tuple[str, Path]]] = {source: [] for source in SOURCES}
    for athlete in athletes(scale):
        sim = _simulate(athlete, extra)
        new = SyntheticAthlete(
            athlete.athlete_id,
            sim.timezone,
            weigh_ins=[w for w in sim.weigh_ins if w["measured_local"].date() >= cutoff],
            runs=[r for r in sim.runs if r["start_local"].date() >= cutoff],
            crossfit_sets=[s for s in sim.crossfit_sets if s["date"] >= cutoff],
        )
        for source in SOURCES:
            name = FILE_NAMES[source].replace(".csv", f"_{cutoff:%Y%m%d}.csv")
            path = out_dir / athlete.athlete_id / source / name
            _write(source, path, new, first_run=len(sim.runs) - len(new.runs))
            files[source].append((athlete.athlete_id, path))
    return files
