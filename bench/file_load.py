"""File-source load path (issue #16): rows reaching dlt as dicts or as pyarrow tables.

The load step of the scaling worker (bench/scale_worker.py --load-only: the three file
sources' assets materialised in-process on an empty warehouse, parsing, dlt and the merge
included) on N× the sample, once with `arrow_rows.COLUMNAR` off (the dict path dlt normalises
row by row) and once on (pyarrow tables: csv + COPY), each in a fresh process. Right before
each load the end-to-end COPY of section 1 (`ingest.copy_from_dataframe`) runs on the same
server, so every row has its own COPY reference from the same minute of this run.
"""

from __future__ import annotations

import logging
import time

import psycopg2

from fitelt.warehouse import ConnInfo

from .ingest import _fresh_table, copy_from_dataframe, make_readings
from .scaling import run_scale
from .server import new_database

log = logging.getLogger(__name__)

PATHS = ("dicts", "arrow")
LABELS = {"dicts": "dicts (dlt normalises rows)", "arrow": "pyarrow tables (csv + COPY)"}
SOURCE_STEPS = ("withings", "strava", "crossfit")


def _copy_rows_per_s(server: ConnInfo, frame) -> float:
    db = new_database(server)
    _fresh_table(db)
    run = copy_from_dataframe(db, frame)
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from raw.bench_readings")
        if cur.fetchone()[0] != len(frame):
            raise RuntimeError("COPY end-to-end loaded a different row count")
    return len(frame) / seconds


def run_file_load(server: ConnInfo, scales: list[int], n_rows: int, repeats: int) -> list[dict]:
    """One row per scale, path and repeat (paths alternate: dicts, arrow, arrow, dicts, …)."""
    frame = make_readings(n_rows)
    results = []
    for scale in scales:
        for repeat in range(repeats):
            order = PATHS if repeat % 2 == 0 else PATHS[::-1]
            for path in order:
                copy_rate = _copy_rows_per_s(server, frame)
                run = run_scale(server, scale, load_only=True, row_path=path)
                load_s = run["steps"]["load"]
                row = {
                    "scale": scale,
                    "path": path,
                    "repeat": repeat,
                    "rows": run["rows"],
                    "raw_rows": run["raw_rows"],
                    "load_s": load_s,
                    "rows_per_s": run["rows"] / load_s,
                    "copy_rows_per_s": copy_rate,
                    "vs_copy_end_to_end": run["rows"] / load_s / copy_rate,
                    "source_steps": run.get("load_steps", {}),
                }
                results.append(row)
                log.info(
                    "×%-4d %-6s %8d rows  load %6.1f s  %8.0f rows/s  COPY %8.0f rows/s  %.3f×",
                    scale, path, row["rows"], load_s, row["rows_per_s"], copy_rate,
                    row["vs_copy_end_to_end"],
                )  # fmt: skip
    for row in results:
        dicts = [r for r in results if r["scale"] == row["scale"] and r["path"] == "dicts"]
        base = sum(r["load_s"] for r in dicts) / len(dicts)
        row["vs_dicts"] = base / row["load_s"]
    return results


def file_load_table(rows: list[dict], n_rows: int) -> list[str]:
    lines = [
        "## 7. File sources: rows as dicts or as pyarrow tables (load step)",
        "",
        "The three file sources' load step (`bench/scale_worker.py --load-only`: their assets "
        "materialised in-process on an empty warehouse, parsing, dlt and the merge included) "
        "on N× the sample, each run in a fresh process, rows handed to dlt as dicts (the "
        "previous path, `arrow_rows.COLUMNAR` off) or as pyarrow tables. *COPY e2e* is "
        f"section 1's end-to-end COPY of {n_rows:,} readings, run just before each load; "
        "*× COPY e2e* = the load's rows/s ÷ that.",
        "",
        "| scale | rows reach dlt as | raw rows | load s | rows/s | COPY e2e rows/s "
        "| × COPY e2e | × dicts (speed) | withings step s | strava step s | crossfit step s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        steps = row["source_steps"]
        step_cells = " | ".join(
            f"{steps[name]:.1f}" if name in steps else "–" for name in SOURCE_STEPS
        )
        lines.append(
            f"| ×{row['scale']} | {LABELS[row['path']]} | {row['rows']:,} | "
            f"{row['load_s']:.1f} | {row['rows_per_s']:,.0f} | {row['copy_rows_per_s']:,.0f} | "
            f"{row['vs_copy_end_to_end']:.3f} | {row['vs_dicts']:.2f} | {step_cells} |"
        )
    return [*lines, ""]
