"""End to end: `fitelt` subprocesses on the sample data from an empty warehouse, as a user runs
them (start-up included). The in-process cost of the loads is in bench/incremental.py."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fitelt.settings import PROJECT_ROOT
from fitelt.warehouse import ConnInfo

from .server import new_database

log = logging.getLogger(__name__)

SOURCES = "group:withings or group:strava or group:crossfit"
# Every dbt model: those fed by the three file sources and the live streams' (which build empty
# without their simulators, as on any warehouse where a stream never ran).
MODELS = (
    "(group:withings+ or group:strava+ or group:crossfit+ or group:bikes+ or group:foot_sensor+)"
    " and kind:dbt"
)
# Everything but the site (built by its own step below), on a second empty warehouse.
END_TO_END = ("materialise all assets but the site (empty warehouse)", "not key:report_site")
LIVE_VARS = ("FITELT_SENSORS_API", "FITELT_BIKES_API")
STEPS = [
    ("load all sources (empty warehouse)", SOURCES),
    ("re-run sources, no new data", SOURCES),
    ("dbt build (their models and tests)", MODELS),
    ("train forecast models", "key:knn_forecast_models"),
    ("build + publish report site", "key:report_site"),
]


def _fitelt(args: list[str], env: dict[str, str], *, check: bool = True) -> float:
    """Wall seconds of `fitelt ARGS`; negative when it failed and `check` is off."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "fitelt"), *args],
        env=env,
        check=check,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        log.error("fitelt %s failed:\n%s", " ".join(args), done.stderr[-4000:])
    return seconds if done.returncode == 0 else -seconds


def _installation(server: ConnInfo) -> dict[str, str]:
    """Environment of a new installation (empty warehouse) with the sample files imported."""
    db = new_database(server)
    data_dir = Path(tempfile.mkdtemp(prefix="fitelt-bench-data-"))
    env = {k: v for k, v in os.environ.items() if k not in LIVE_VARS}
    env.update({"FITELT_DATA_DIR": str(data_dir), "DATABASE_URL": db.url()})
    samples = sorted(str(p) for p in (PROJECT_ROOT / "sample_data").glob("*/*.csv"))
    _fitelt(["import", *samples, "--athlete", "demo"], env)
    return env


def run_pipeline(server: ConnInfo, *, with_report: bool) -> list[dict]:
    """Seconds of each step, run as a user would (`fitelt import`, `fitelt materialize`)."""
    name, selection = END_TO_END
    seconds = _fitelt(["materialize", "--select", selection], _installation(server))
    results = [{"step": name, "selection": selection, "seconds": seconds}]
    log.info("%-40s %7.1f s", name, seconds)
    env = _installation(server)
    for name, selection in STEPS:
        if selection == "key:report_site" and not with_report:
            continue
        # A failing step (e.g. the site's npm build) is recorded, not fatal to the run.
        seconds = _fitelt(["materialize", "--select", selection], env, check=False)
        ok = seconds >= 0
        row = {"step": name, "selection": selection, "seconds": abs(seconds), "ok": ok}
        results.append(row)
        log.info("%-40s %7.1f s%s", name, abs(seconds), "" if ok else "  FAILED")
    return results
