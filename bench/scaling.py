"""Scaling: the whole pipeline (load + dbt build + forecast training) on N× the sample.

Each scale runs in a fresh process (bench/scale_worker.py) on an empty database, so its peak
RSS is its own: the worker's (Python: Dagster, dlt, pandas, scikit-learn) and dbt's (the
subprocess dagster-dbt starts) are reported apart. PostgreSQL is a separate server process;
the warehouse size on disk is reported instead of its memory.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from fitelt.settings import PROJECT_ROOT
from fitelt.warehouse import ConnInfo

from .server import new_database

log = logging.getLogger(__name__)


def run_scale(
    server: ConnInfo, scale: int, *, load_only: bool = False, row_path: str = "arrow"
) -> dict:
    """One scale in a fresh worker; `load_only` skips dbt and training (bench/file_load.py),
    `row_path` "dicts" hands the file rows to dlt as dicts (the path before pyarrow tables)."""
    db = new_database(server)
    root = Path(tempfile.mkdtemp(prefix=f"fitelt-bench-x{scale}-"))
    out = root / "result.json"
    env = {**os.environ, "FITELT_DATA_DIR": str(root / "data"), "DATABASE_URL": db.url()}
    flags = ["--rows", row_path] + (["--load-only"] if load_only else [])
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.scale_worker", str(scale), str(out), *flags],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(root / "worker.log").open("w"),
    )
    child.wait()
    if child.returncode != 0:
        tail = (root / "worker.log").read_text()[-3000:]
        raise RuntimeError(f"scale {scale} failed ({child.returncode}):\n{tail}")
    result = json.loads(out.read_text())
    steps = result["steps"]
    result["rows"] = sum(result["raw_rows"].values())
    if load_only:
        return result
    result["pipeline_s"] = steps["load"] + steps["dbt build"] + steps["train"]
    log.info(
        "×%-4d %8d rows  load %6.1f s  dbt %6.1f s  train %6.1f s  peak %5.0f MB (dbt %5.0f MB)",
        scale, result["rows"], steps["load"], steps["dbt build"], steps["train"],
        result["peak_rss_mb"], result["dbt_peak_rss_mb"],
    )  # fmt: skip
    return result


def run_scaling(server: ConnInfo, scales: list[int]) -> list[dict]:
    results = [run_scale(server, scale) for scale in scales]
    base = results[0]
    for row in results:
        row["time_vs_first"] = row["pipeline_s"] / base["pipeline_s"]
        row["rows_vs_first"] = row["rows"] / base["rows"]
        row["us_per_row"] = row["pipeline_s"] / row["rows"] * 1e6
    return results
