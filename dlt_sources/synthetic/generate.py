"""Write the bundled sample data (`sample_data/`) in each vendor's real export format."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..crossfit.csv_log import write_log_csv
from ..strava.export import write_activities_csv
from ..withings.export import write_weight_csv
from .athlete import simulate_athlete

log = logging.getLogger(__name__)

SAMPLE_ATHLETE = "demo"


def generate_sample_data(
    out_dir: Path, *, athlete_id: str = SAMPLE_ATHLETE, seed: int = 7
) -> list[Path]:
    """Simulate the sample athlete and write every export; returns the files written."""
    athlete = simulate_athlete(athlete_id, seed=seed)
    weight_csv = out_dir / "withings" / "weight.csv"
    write_weight_csv(weight_csv, athlete.weigh_ins)
    log.info("wrote %d weigh-ins to %s", len(athlete.weigh_ins), weight_csv)
    # Runs are simulated in the athlete's local time; the export writes them in UTC.
    activities_csv = out_dir / "strava" / "activities.csv"
    count = write_activities_csv(activities_csv, athlete.runs, timezone=athlete.timezone)
    log.info("wrote %d activities to %s", count, activities_csv)
    crossfit_csv = out_dir / "crossfit" / "crossfit_log.csv"
    count = write_log_csv(crossfit_csv, athlete.crossfit_sets)
    log.info("wrote %d CrossFit sets to %s", count, crossfit_csv)
    return [weight_csv, activities_csv, crossfit_csv]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("sample_data"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate_sample_data(args.out_dir, seed=args.seed)


if __name__ == "__main__":
    main()
