"""End-to-end and incremental cost: `fitelt` on the sample data from an empty warehouse."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestration.settings import PROJECT_ROOT
from orchestration.warehouse import ConnInfo

from .server import new_database

log = logging.getLogger(__name__)

SOURCES = "group:withings or group:strava or group:crossfit"
# dbt models fed by the three file sources (the live-stream models need their simulators).
MODELS = "(group:withings+ or group:strava+ or group:crossfit+) and kind:dbt"
STEPS = [
    ("load all sources (empty warehouse)", SOURCES),
    ("re-run sources, no new data", SOURCES),
    ("dbt build (their models and tests)", MODELS),
    ("train forecast models", "key:knn_forecast_models"),
    ("build + publish report site", "key:report_site"),
]


def _fitelt(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "fitelt"), *args],
        env=env,
        check=True,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def run_pipeline(server: ConnInfo, *, with_report: bool) -> list[dict]:
    """Seconds of each step, run as a user would (`fitelt import`, `fitelt materialize`)."""
    db = new_database(server)
    data_dir = Path(tempfile.mkdtemp(prefix="fitelt-bench-data-"))
    env = {**os.environ, "FITELT_DATA_DIR": str(data_dir), "DATABASE_URL": db.url()}
    samples = sorted(str(p) for p in (PROJECT_ROOT / "sample_data").glob("*/*.csv"))
    _fitelt(["import", *samples, "--athlete", "demo"], env)
    results = []
    for name, selection in STEPS:
        if selection == "key:report_site" and not with_report:
            continue
        seconds = _fitelt(["materialize", "--select", selection], env)
        results.append({"step": name, "selection": selection, "seconds": seconds})
        log.info("%-40s %7.1f s", name, seconds)
    return results
