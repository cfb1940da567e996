"""Incremental cost, measured inside one process: each file source loaded in full, re-run with
nothing new, with 1 % new data (a new export file) and with a re-export (the whole history plus
1 %), through the project's real load path (`materialize` of the source's dlt asset); then the
dbt incremental models with no / 1 % new data against `--full-refresh`.

Times are the in-process Dagster run (`run`) and its asset step alone (`step`, from the run's
event log); Python and Dagster start-up are not in them (see the pipeline table for those).
Rows written are the rows carrying a dlt load id of that run, quarantine tables included.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg2
from psycopg2 import sql

from fitelt.warehouse import ConnInfo

from . import data
from .dbt_runs import dbt_case, incremental_models, run_dbt
from .ingest import make_readings, project_path
from .scale_worker import step_seconds
from .server import new_database

log = logging.getLogger(__name__)

ASSETS = {
    "withings": "withings/measures",
    "strava": "strava/activities",
    "crossfit": "crossfit/sets",
}
NOOP_REPEATS = 3
READINGS = 180_000  # foot-pressure readings under foot_sensor_minutely (25 min of 6 persons)


@contextmanager
def installation(db: ConnInfo, data_dir: Path) -> Iterator[None]:
    """Point the project's settings (read from the environment) at `db` and `data_dir`."""
    saved = {name: os.environ.get(name) for name in ("FITELT_DATA_DIR", "DATABASE_URL")}
    os.environ.update({"FITELT_DATA_DIR": str(data_dir), "DATABASE_URL": db.url()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def drop(data_dir: Path, files: list[tuple[str, Path]]) -> None:
    from fitelt.inbox.store import Inbox

    inbox = Inbox(data_dir / "inbox", data_dir / "archive")
    for athlete_id, path in files:
        inbox.drop(path, athlete_id)


def _query(db: ConnInfo, text: str | sql.Composable, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(text, params)
        return cur.fetchall()


def _load_ids(db: ConnInfo) -> set[str]:
    if not _query(db, "select to_regclass('raw._dlt_loads') is not null")[0][0]:
        return set()
    return {row[0] for row in _query(db, "select load_id from raw._dlt_loads")}


def rows_written(db: ConnInfo, source: str, load_ids: set[str]) -> tuple[int, int]:
    """(rows carrying one of `load_ids`, rows in the source's tables) over raw.<source>_*."""
    tables = _query(
        db,
        "select table_name from information_schema.columns where table_schema = 'raw' "
        "and table_name like %s and column_name = '_dlt_load_id'",
        (f"{source}\\_%",),
    )
    written = total = 0
    for (table,) in tables:
        query = sql.SQL(
            "select count(*) filter (where _dlt_load_id = any(%s)), count(*) from raw.{}"
        ).format(sql.Identifier(table))
        new, rows = _query(db, query, (sorted(load_ids),))[0]
        written += new
        total += rows
    return written, total


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> float:
    """Seconds spent in the run's steps, all together."""
    return sum(step_seconds(instance, run_id).values())


def timed_load(db: ConnInfo, instance: dg.DagsterInstance, source: str) -> dict:
    """Materialise the source's asset once; run/step seconds, rows written, dlt loads."""
    from orchestration.lib.materialize import materialize, succeeded

    before = _load_ids(db)
    started = time.perf_counter()
    result = materialize(f"key:{ASSETS[source]}", instance=instance)
    seconds = time.perf_counter() - started
    if not succeeded(result):
        raise RuntimeError(f"loading {source} failed")
    new_loads = _load_ids(db) - before
    written, total = rows_written(db, source, new_loads)
    return {
        "seconds": seconds,
        "step_seconds": _step_seconds(instance, result.run_id),
        "rows_written": written,
        "table_rows": total,
        "loads": len(new_loads),
    }


def _warm_up(server: ConnInfo) -> None:
    """First use of Dagster, dlt and psycopg in this process, on a throwaway database."""
    db = new_database(server)
    with installation(db, Path(tempfile.mkdtemp(prefix="fitelt-bench-warm-"))):
        instance = dg.DagsterInstance.ephemeral()
        for source in data.SOURCES:
            timed_load(db, instance, source)


def _write_readings(db: ConnInfo, start: int, stop: int) -> None:
    frame = make_readings(stop).iloc[start:stop]
    project_path(db, frame)()


def run_incremental(server: ConnInfo, scale: int) -> dict[str, list[dict]]:
    """Source rows (full / no-op / 1 % / re-export) and dbt rows, all from this one run."""
    _warm_up(server)
    db = new_database(server)
    root = Path(tempfile.mkdtemp(prefix="fitelt-bench-incr-"))
    exports = data.export_files(scale, root / "exports")
    extension = data.extension_files(scale, root / "extension")
    reexport = data.export_files(scale, root / "reexport", extra_share=0.01)
    sources: list[dict] = []
    dbt: list[dict] = []

    def record(source: str, case: str, outcome: dict) -> None:
        sources.append({"scale": scale, "source": source, "case": case, **outcome})
        log.info(
            "%-9s %-22s run %6.3f s  step %6.3f s  %7d rows written",
            source, case, outcome["seconds"], outcome["step_seconds"], outcome["rows_written"],
        )  # fmt: skip

    models = incremental_models()
    with installation(db, root / "data"):
        instance = dg.DagsterInstance.ephemeral()
        for source in data.SOURCES:
            drop(root / "data", exports[source])
            record(source, "full load", timed_load(db, instance, source))
        for source in data.SOURCES:
            runs = [timed_load(db, instance, source) for _ in range(NOOP_REPEATS)]
            median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
            median["seconds"] = statistics.median(r["seconds"] for r in runs)
            median["step_seconds"] = statistics.median(r["step_seconds"] for r in runs)
            median["rows_written"] = max(r["rows_written"] for r in runs)
            median["loads"] = max(r["loads"] for r in runs)
            record(source, "no new data", median)
        _write_readings(db, 0, READINGS)
        run_dbt(db, ["run", "--select", " ".join(f"+{m}" for m in models)], root / "dbt")
        dbt += dbt_case(db, root / "dbt", "no new data", models)
        for source in data.SOURCES:
            drop(root / "data", extension[source])
            record(source, "1 % new data (new file)", timed_load(db, instance, source))
        _write_readings(db, READINGS, READINGS + READINGS // 100)
        dbt += dbt_case(db, root / "dbt", "1 % new data", models)
        dbt += dbt_case(db, root / "dbt", "full refresh", models)
        for source in data.SOURCES:
            drop(root / "data", reexport[source])
            record(source, "re-export (all + 1 %)", timed_load(db, instance, source))
    for row in dbt:
        row["scale"] = scale
    return {"sources": sources, "dbt": dbt}
