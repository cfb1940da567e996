"""Apple Health (issue #18): a generated export.xml of N records (`write_large_export`) loaded as
a user does it, against the bare-iterparse floor over the same file, in one run.

Per N: the floor (lxml's iterparse alone over the file, Record and Workout elements cleared and
removed as they end, nothing read from them; this process, once before and once after the
loads: the mean is the floor); the reader alone (this process: the source's parse into arrow
tables, no dlt, no database); then `fitelt import` + `fitelt materialize --select
group:apple_health` into a fresh warehouse (raw tables only, no dbt), and two re-imports into
it: the identical file (`fitelt import` knows its checksum: nothing is copied and nothing
waits, so no run is needed; the run a schedule would start anyway is measured on its own) and
a later export (the whole history again plus `LATER_DAYS` new days: parsed whole, only the new
days written). The asset step is
the `apple_health` step of that same `fitelt materialize` run, as Dagster times it (STEP_START
to STEP_SUCCESS: the inbox, the lock, dlt, the parse and the load into PostgreSQL, the
archive), without the two commands' start-ups. Memory: peak RSS of the `fitelt` process tree
(bench/tree_memory.py). CPU s: user + system of the tree.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from psycopg2 import sql

from fitelt.settings import PROJECT_ROOT
from fitelt.warehouse import ConnInfo

from .activity_files import _children_cpu, _fitelt, _installation, _load_ids, _query
from .tree_memory import TreeMemory

log = logging.getLogger(__name__)

CACHE = PROJECT_ROOT / "bench" / "results" / "apple_health"
SELECTION = "group:apple_health"
TABLES = ("apple_health_records", "apple_health_sleep", "apple_health_workouts",
          "apple_health_type_counts", "apple_health_quarantine")  # fmt: skip
LATER_DAYS = 7
STEP = re.compile(r'Finished execution of step "apple_health" in ([0-9.]+ms|[0-9.]+s|\w+)\.')


def large_export(records: int, extra_days: int = 0, seed: int = 11) -> Path:
    """export.xml of `records` records (+ `extra_days`), written once per size and kept."""
    folder = CACHE / f"{records}-{extra_days}-{seed}"
    path = folder / "export.xml"
    if not path.exists():
        from dlt_sources.synthetic.apple_health import write_large_export

        started = time.perf_counter()
        partial = folder.with_name(folder.name + ".partial") / "export.xml"
        write_large_export(partial, records=records, seed=seed, extra_days=extra_days)
        partial.parent.rename(folder)
        log.info("wrote %s (%.0f MB) in %.0f s", path, path.stat().st_size / 2**20,
                 time.perf_counter() - started)  # fmt: skip
    return path


def iterparse_floor(path: Path) -> dict:
    """lxml's iterparse alone over the file, with the same options and clearing as the source."""
    from lxml import etree

    elements = 0
    started, cpu = time.perf_counter(), time.process_time()
    context = etree.iterparse(
        str(path), events=("end",), tag=("Record", "Workout"),
        resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False,
    )  # fmt: skip
    for _, elem in context:
        elements += 1
        elem.clear()
        while elem.getprevious() is not None:
            del elem.getparent()[0]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_s": time.process_time() - cpu, "elements": elements,
            "per_s": elements / seconds}  # fmt: skip


def reader_alone(path: Path) -> dict:
    """The source's reader into arrow tables, this process: no dlt, no database."""
    from dlt_sources.apple_health.export import ExportReader, Restart, Tables
    from dlt_sources.common.files import SourceFile

    rows = 0
    started = time.perf_counter()
    reader = ExportReader(export_sha256="bench")
    for item in reader.read(SourceFile(path, "bench", "UTC", name=path.name)):
        if isinstance(item, Tables):
            rows += item.table.num_rows
        elif isinstance(item, Restart):  # the file is read again by lxml
            rows = 0
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "elements": sum(reader.counts.values())}


def _rows(db: ConnInfo, before: list[str]) -> dict:
    written = total = 0
    for table in TABLES:
        if not _query(db, "select to_regclass(%s) is not null", (f"raw.{table}",))[0][0]:
            continue
        query = sql.SQL(
            "select count(*) filter (where not (_dlt_load_id = any(%s))), count(*) from raw.{}"
        ).format(sql.Identifier(table))
        new, rows = _query(db, query, (before,))[0]
        written, total = written + new, total + rows
    return {"rows_written": written, "rows_in_tables": total}


def _step_seconds(duration: str) -> float:
    """Dagster's duration text ('533ms', '5.6s', '4m52s', '1h4m') in seconds."""
    if duration.endswith("ms"):
        return float(duration[:-2]) / 1000
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(float(n) * units[u] for n, u in re.findall(r"([0-9.]+)([hms])", duration))


def _step_from_events(db: ConnInfo) -> float | None:
    """Seconds from STEP_START to STEP_SUCCESS of the newest `apple_health` step, from the
    run's events in Dagster's storage (the same database here): the events the UI shows."""
    rows = _query(db, "select dagster_event_type, timestamp from event_logs "
                      "where step_key = 'apple_health' and dagster_event_type in "
                      "('STEP_START', 'STEP_SUCCESS') order by id desc limit 2")  # fmt: skip
    kinds = {kind: at for kind, at in rows}
    if set(kinds) != {"STEP_START", "STEP_SUCCESS"}:
        return None
    return (kinds["STEP_SUCCESS"] - kinds["STEP_START"]).total_seconds()


def _materialize(env: dict[str, str], db: ConnInfo) -> dict:
    """`fitelt materialize --select group:apple_health`, as `_fitelt`, plus its step's time."""
    cpu, started = _children_cpu(), time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "fitelt"), "materialize", "--select", SELECTION],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    with TreeMemory(process.pid) as memory:
        _, errors = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"fitelt materialize failed:\n{errors[-4000:]}")
    logs = CACHE / "logs"  # the run's own log, to read the step's events again
    logs.mkdir(parents=True, exist_ok=True)
    (logs / f"materialize-{time.strftime('%Y%m%dT%H%M%S')}.log").write_text(errors)
    step = _step_from_events(db)
    if step is None and (logged := STEP.search(errors)) is not None:
        step = _step_seconds(logged.group(1))
    if step is None:
        log.warning("no STEP_SUCCESS of apple_health in the run's events (log in %s)", logs)
    return {"seconds": seconds, "cpu_s": _children_cpu() - cpu, **memory.peaks(),
            "step_s": step}  # fmt: skip


def _waiting(env: dict[str, str]) -> int:
    """Files waiting in the inbox for the apple_health source."""
    folder = Path(env["FITELT_DATA_DIR"]) / "inbox" / "apple_health"
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _load(db: ConnInfo, env: dict[str, str], export: Path, label: str) -> dict:
    before = _load_ids(db)
    imported = _fitelt(["import", str(export), "--athlete", "bench"], env)
    if not _waiting(env):  # the import recognised a loaded export: no run is needed
        row = {"case": label, "import": imported, "materialize": None, **_rows(db, before),
               "seconds": imported["seconds"], "cpu_s": imported["cpu_s"]}  # fmt: skip
        log.info("%-34s %7.1f s (nothing queued)", label, row["seconds"])
        return row
    loaded = _materialize(env, db)
    row = {"case": label, "import": imported, "materialize": loaded, **_rows(db, before),
           "seconds": imported["seconds"] + loaded["seconds"],
           "cpu_s": imported["cpu_s"] + loaded["cpu_s"]}  # fmt: skip
    log.info("%-34s %7.1f s (step %s s)  %9s rows written  tree peak %5.0f MB", label,
             row["seconds"], loaded["step_s"], f"{row['rows_written']:,}",
             loaded["tree_mb"])  # fmt: skip
    return row


def _first_import(server: ConnInfo, export: Path) -> dict:
    """A first import into a fresh installation, removed again (the repeat of the first one)."""
    db, env, data_dir = _installation(server)
    try:
        return _load(db, env, export, "end to end, again")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _case(server: ConnInfo, records: int) -> dict:
    """Floor, load, floor, load: each the best of its two runs (this machine is shared: the
    least disturbed run of each is the one to compare)."""
    export, later = large_export(records), large_export(records, LATER_DAYS)
    floors = [iterparse_floor(export)]
    log.info("iterparse floor %s records: %.1f s", f"{records:,}", floors[0]["seconds"])
    alone = reader_alone(export)
    db, env, data_dir = _installation(server)
    try:
        firsts = [_load(db, env, export, "end to end (import + materialise)")]
        identical = _load(db, env, export, "re-import, identical file")
        idle = _materialize(env, db)  # what a scheduled run finds then: nothing to load
        again = _load(db, env, later, f"later export (+{LATER_DAYS} days)")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    floors.append(iterparse_floor(export))
    log.info("iterparse floor %s records: %.1f s", f"{records:,}", floors[1]["seconds"])
    firsts.append(_first_import(server, export))
    best = min(floors, key=lambda f: f["seconds"])
    floor = {**best, "runs": [f["seconds"] for f in floors]}
    first = {**min(firsts, key=lambda f: f["seconds"]), "runs": [f["seconds"] for f in firsts]}
    return {"records": records, "file_mb": export.stat().st_size / 2**20,
            "later_mb": later.stat().st_size / 2**20, "floor": floor, "reader": alone,
            "loads": [first, identical, again], "idle_run": idle}  # fmt: skip


def run_apple_health(server: ConnInfo, sizes: list[int]) -> dict:
    import os

    cases = [_case(server, records) for records in sizes]
    return {"cores": os.cpu_count(), "cases": cases, "later_days": LATER_DAYS,
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}  # fmt: skip
