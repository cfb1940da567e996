"""Activity files (issue #16): a Garmin-style bulk export of N one-hour FIT activities
(`write_bulk_archive`, ~3,600 records each) loaded as a user does it, against the decode floor.

In one run, per N: the floor (fitdecode alone iterating every message of every member, this
process, once before and once after the loads: the mean is the floor), then `fitelt import` +
`fitelt materialize --select group:activity_files` into a fresh warehouse, decoding in the
source's process pool and once more in-process (FITELT_DECODE_WORKERS=1), and two re-imports
into the pool's warehouse: the identical file (the inbox's checksum stops it) and the same
members re-packed in another zip (reversed, plus an empty file: every member is hashed and
found loaded). Memory: peak RSS of the `fitelt` process tree (its own VmHWM, and the sum over
the tree polled every 0.1 s). CPU s: user + system of the whole tree (getrusage of children).
Raw tables only: the dbt models downstream are not run.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

import psycopg2
from psycopg2 import sql

from fitelt.settings import PROJECT_ROOT
from fitelt.warehouse import ConnInfo

from .pipeline import LIVE_VARS
from .server import new_database
from .tree_memory import TreeMemory

log = logging.getLogger(__name__)

CACHE = PROJECT_ROOT / "bench" / "results" / "activity_files"
SELECTION = "group:activity_files"
DECODED = "INFO dlt_sources.activity_files: activity files: "  # the source's summary line
TABLES = ("activity_files", "activity_file_records", "activity_file_laps",
          "activity_files_quarantine")  # fmt: skip


def bulk_archive(count: int, seed: int) -> Path:
    """The bulk archive of `count` activities, written once per (count, seed) and kept."""
    path = CACHE / f"bulk-{count}-{seed}.zip"
    if not path.exists():
        from dlt_sources.synthetic.activity_files import write_bulk_archive

        CACHE.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        write_bulk_archive(partial, count=count, seed=seed)
        partial.rename(path)
        log.info("wrote %s in %.0f s", path.name, time.perf_counter() - started)
    return path


def repacked(archive: Path) -> Path:
    """The same members in another zip: reversed order, plus an empty file (other checksum)."""
    path = archive.with_name(archive.stem + "-repacked.zip")
    if not path.exists():
        partial = path.with_suffix(".partial")
        with (
            zipfile.ZipFile(archive) as source,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
        ):
            target.writestr("README.txt", b"")
            for info in reversed(source.infolist()):
                target.writestr(info, source.read(info), compresslevel=1)
        partial.rename(path)
    return path


def decode_floor(archive: Path, part: int = 0, parts: int = 1) -> dict:
    """fitdecode alone, one process: every message of every FIT member (same reader options
    as the source's decoder: raw values, CRC checked); `part` of `parts`: every parts-th."""
    import fitdecode

    records = messages = 0
    started, cpu, at = time.perf_counter(), time.process_time(), time.time()
    with zipfile.ZipFile(archive) as bundle:
        for index, info in enumerate(bundle.infolist()):
            if not info.filename.lower().endswith(".fit") or index % parts != part:
                continue
            with fitdecode.FitReader(
                io.BytesIO(bundle.read(info)),
                processor=None,
                check_crc=fitdecode.CrcCheck.RAISE,
                error_handling=fitdecode.ErrorHandling.IGNORE,
            ) as reader:
                for frame in reader:
                    if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                        messages += 1
                        records += frame.name == "record"
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cpu_s": time.process_time() - cpu, "records": records,
            "messages": messages, "records_per_s": records / seconds,
            "span": (at, time.time())}  # fmt: skip


def parallel_floor(archive: Path, processes: int = 2) -> dict:
    """The floor split over `processes` processes at once: what the machine gives parallel
    work during the run (≈ `processes`× one process on idle cores, ≈ 1× when they are busy)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        parts = list(pool.map(decode_floor, [archive] * processes, range(processes),
                              [processes] * processes))  # fmt: skip
    seconds = max(p["span"][1] for p in parts) - min(p["span"][0] for p in parts)
    records = sum(p["records"] for p in parts)
    return {"seconds": seconds, "cpu_s": sum(p["cpu_s"] for p in parts), "records": records,
            "processes": processes, "records_per_s": records / seconds}  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _decoded_at(errors: str, started: float) -> float | None:
    """Seconds from `started` (epoch) to the source's summary line: the last member decoded."""
    for line in errors.splitlines():
        if DECODED in line and line[:4].isdigit():
            return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp() - started
    return None


def _fitelt(args: list[str], env: dict[str, str]) -> dict:
    """Wall seconds, CPU seconds and peak memory of `fitelt ARGS` (and what it starts)."""
    cpu, started, at = _children_cpu(), time.perf_counter(), time.time()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "fitelt"), *args],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    with TreeMemory(process.pid) as memory:
        _, errors = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"fitelt {' '.join(args)} failed:\n{errors[-4000:]}")
    return {"seconds": seconds, "cpu_s": _children_cpu() - cpu, **memory.peaks(),
            "decoded_at_s": _decoded_at(errors, at)}  # fmt: skip


def _query(db: ConnInfo, text: str | sql.Composable, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(text, params)
        return cur.fetchall()


def _load_ids(db: ConnInfo) -> list[str]:
    if not _query(db, "select to_regclass('raw._dlt_loads') is not null")[0][0]:
        return []
    return [row[0] for row in _query(db, "select load_id from raw._dlt_loads")]


def _rows(db: ConnInfo, before: list[str]) -> dict:
    """Rows of the source's tables, and those written by loads after `before`."""
    written = total = records = 0
    for table in TABLES:
        if not _query(db, "select to_regclass(%s) is not null", (f"raw.{table}",))[0][0]:
            continue
        query = sql.SQL(
            "select count(*) filter (where not (_dlt_load_id = any(%s))), count(*) from raw.{}"
        ).format(sql.Identifier(table))
        new, rows = _query(db, query, (before,))[0]
        written, total = written + new, total + rows
        records = rows if table == "activity_file_records" else records
    return {"rows_written": written, "rows_in_tables": total, "records": records,
            "loads": len(_load_ids(db)) - len(before)}  # fmt: skip


def _load(db: ConnInfo, env: dict[str, str], archive: Path, label: str) -> dict:
    """`fitelt import ARCHIVE` then the source's materialisation; times, memory, rows."""
    before = _load_ids(db)
    imported = _fitelt(["import", str(archive), "--athlete", "bench"], env)
    loaded = _fitelt(["materialize", "--select", SELECTION], env)
    row = {"case": label, "import": imported, "materialize": loaded, **_rows(db, before),
           "seconds": imported["seconds"] + loaded["seconds"],
           "cpu_s": imported["cpu_s"] + loaded["cpu_s"]}  # fmt: skip
    log.info("%-32s %7.1f s  %9s rows written  tree peak %5.0f MB", label, row["seconds"],
             f"{row['rows_written']:,}", loaded["tree_mb"])  # fmt: skip
    return row


def _installation(server: ConnInfo, **extra: str) -> tuple[ConnInfo, dict[str, str], Path]:
    db = new_database(server)
    data_dir = Path(tempfile.mkdtemp(prefix="fitelt-bench-activity-"))
    env = {k: v for k, v in os.environ.items() if k not in LIVE_VARS}
    env.update({"FITELT_DATA_DIR": str(data_dir), "DATABASE_URL": db.url(), **extra})
    return db, env, data_dir


def _case(server: ConnInfo, count: int, seed: int) -> dict:
    archive = bulk_archive(count, seed)
    again = repacked(archive)
    floors = [decode_floor(archive)]
    log.info("decode floor ×%d: %.1f s, %.0f records/s", count, floors[0]["seconds"],
             floors[0]["records_per_s"])  # fmt: skip
    parallel = parallel_floor(archive)
    log.info("decode floor ×%d, 2 processes: %.1f s, %.0f records/s", count, parallel["seconds"],
             parallel["records_per_s"])  # fmt: skip
    db, env, data_dir = _installation(server)
    try:
        pooled = _load(db, env, archive, "end to end (decoder processes)")
        identical = _load(db, env, archive, "re-import, identical file")
        repack = _load(db, env, again, "re-import, re-packed archive")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    db, env, data_dir = _installation(server, FITELT_DECODE_WORKERS="1")
    try:
        alone = _load(db, env, archive, "end to end (in-process decoding)")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    floors.append(decode_floor(archive))
    records = floors[0]["records"]
    floor = {
        "seconds": sum(f["seconds"] for f in floors) / len(floors),
        "cpu_s": sum(f["cpu_s"] for f in floors) / len(floors),
        "records": records,
        "messages": floors[0]["messages"],
        "runs": [f["seconds"] for f in floors],
    }
    floor["records_per_s"] = records / floor["seconds"]
    return {"count": count, "archive_mb": archive.stat().st_size / 2**20, "floor": floor,
            "parallel_floor": parallel, "loads": [pooled, alone, repack, identical]}  # fmt: skip


def run_activity_files(server: ConnInfo, counts: list[int], seed: int = 7) -> dict:
    from dlt_sources.activity_files.pool import decode_workers

    cases = []
    for count in counts:
        cases.append(_case(server, count, seed))
    return {"seed": seed, "workers": decode_workers(), "cores": os.cpu_count(), "cases": cases,
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}  # fmt: skip
