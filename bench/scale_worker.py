"""One scaling run in its own process:
`python -m bench.scale_worker SCALE OUT_JSON [--load-only] [--rows dicts|arrow]`.

The parent sets FITELT_DATA_DIR and DATABASE_URL (an empty warehouse). This process writes the
scale's exports, drops them into the inbox and runs the pipeline in-process, step by step,
then writes its timings, row counts and peak memory (its own, and dbt's) to OUT_JSON.
`--load-only` stops after the load step; `--rows dicts` hands the file sources' rows to dlt as
dicts (`arrow_rows.COLUMNAR` off, the path before pyarrow tables), for bench/file_load.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import threading
import time
from pathlib import Path

import psutil
import psycopg2

from . import data

SOURCES = "key:withings/measures or key:strava/activities or key:crossfit/sets"
MODELS = "(group:withings+ or group:strava+ or group:crossfit+) and kind:dbt"
STEPS = [("load", SOURCES), ("dbt build", MODELS), ("train", "key:knn_forecast_models")]
RAW_TABLES = ("withings_measures", "strava_activities", "crossfit_sets")


def _peak_mb() -> float:
    """This process's peak RSS since its exec (VmHWM).

    Not ru_maxrss: the fork that started this process copied the parent's RSS into it.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChildPeak:
    """Peak RSS of this process's children (dbt), polled every 0.1 s.

    RUSAGE_CHILDREN cannot tell: a child forked from this process starts with its RSS.
    """

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds of each step of a run (its event log), e.g. one per source of the load."""
    import dagster as dg

    starts: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            seconds[event.step_key] = entry.timestamp - starts.pop(event.step_key)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scale", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--rows", choices=("dicts", "arrow"), default="arrow")
    args = parser.parse_args()
    scale, out = args.scale, args.out
    logging.basicConfig(level=logging.WARNING)
    import dagster as dg

    from dlt_sources.common import arrow_rows

    arrow_rows.COLUMNAR = args.rows == "arrow"

    from fitelt.inbox.store import Inbox
    from fitelt.settings import Settings
    from fitelt.warehouse import resolve_warehouse
    from orchestration.definitions import defs  # noqa: F401 (imported before the baseline)
    from orchestration.lib.materialize import materialize, succeeded

    settings = Settings.from_env()
    started = time.perf_counter()
    files = data.export_files(scale, settings.data_dir / "exports")
    generate_s = time.perf_counter() - started
    import_rss = _peak_mb()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    started = time.perf_counter()
    for source in data.SOURCES:
        for athlete_id, path in files[source]:
            inbox.drop(path, athlete_id)
    steps = {"import": time.perf_counter() - started}
    instance = dg.DagsterInstance.ephemeral()
    children = ChildPeak()
    load_steps: dict[str, float] = {}
    for name, selection in STEPS[:1] if args.load_only else STEPS:
        started = time.perf_counter()
        result = materialize(selection, instance=instance)
        if not succeeded(result):
            raise SystemExit(f"scale {scale}: step {name} failed")
        steps[name] = time.perf_counter() - started
        if name == "load":
            load_steps = step_seconds(instance, result.run_id)
    dsn = resolve_warehouse(settings).admin.dsn()
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        rows = {}
        for table in RAW_TABLES:
            cur.execute(f"select count(*) from raw.{table}")  # noqa: S608 (fixed names)
            rows[table] = cur.fetchone()[0]
        cur.execute("select pg_database_size(current_database())")
        db_bytes = cur.fetchone()[0]
    result = {
        "scale": scale,
        "athletes": len(data.athletes(scale)),
        "generate_s": generate_s,
        "steps": steps,
        "load_steps": load_steps,
        "row_path": args.rows,
        "raw_rows": rows,
        "db_mb": db_bytes / 1e6,
        "peak_rss_mb": _peak_mb(),
        "baseline_rss_mb": import_rss,
        "dbt_peak_rss_mb": children.stop(),
    }
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
