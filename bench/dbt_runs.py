"""dbt incremental models: an incremental run with no / 1 % new data against `--full-refresh`.

dbt runs as the project runs it (the venv's dbt, the project's profile), with its own target
and log folders so the project's `dbt_project/target` is left alone. The time of a model is
dbt's own `execution_time` from run_results.json (dbt's start-up is reported separately).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from pathlib import Path

from fitelt.settings import PROJECT_ROOT, dbt_executable
from fitelt.warehouse import ConnInfo

log = logging.getLogger(__name__)

DBT_DIR = PROJECT_ROOT / "dbt_project"
INCREMENTAL_MODELS = ("runs", "foot_sensor_minutely")


def incremental_models() -> list[str]:
    """Models of the project materialised as incremental (read from their SQL config)."""
    names = []
    for path in sorted((DBT_DIR / "models").rglob("*.sql")):
        if "materialized='incremental'" in path.read_text().replace('"', "'"):
            names.append(path.stem)
    return names


def run_dbt(db: ConnInfo, args: list[str], work_dir: Path) -> dict:
    """`dbt <args>`; wall seconds and per-model {seconds, rows} from run_results.json."""
    target = work_dir / "target"
    env = {**os.environ, **db.libpq_env(prefix="FITELT_PG"), "DBT_PROFILES_DIR": str(DBT_DIR)}
    command = [
        dbt_executable(),
        *args,
        "--project-dir", str(DBT_DIR),
        "--target-path", str(target),
        "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=DBT_DIR, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{done.stdout[-3000:]}")
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = {
        item["unique_id"].rsplit(".", 1)[-1]: {
            "seconds": item["execution_time"],
            "rows": (item.get("adapter_response") or {}).get("rows_affected"),
        }
        for item in results
    }
    return {"wall": wall, "models": models}


def model_rows(db: ConnInfo, models: list[str]) -> dict[str, int]:
    import psycopg2

    counts = {}
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        for model in models:
            cur.execute(f"select count(*) from marts.{model}")  # noqa: S608 (model names)
            counts[model] = cur.fetchone()[0]
    return counts


def dbt_case(db: ConnInfo, work_dir: Path, case: str, models: list[str]) -> list[dict]:
    """One row per incremental model for `case` (no new data, 1 % new data, full refresh)."""
    args = ["run", "--select", " ".join(models)]
    if case == "full refresh":
        args.append("--full-refresh")
    outcome = run_dbt(db, args, work_dir)
    totals = model_rows(db, models)
    rows = []
    for model in models:
        stats = outcome["models"][model]
        rows.append(
            {
                "model": model,
                "case": case,
                "seconds": stats["seconds"],
                "rows_written": stats["rows"],
                "table_rows": totals[model],
                "dbt_wall": outcome["wall"],
            }
        )
        log.info("dbt %-22s %-16s %6.2f s  %s rows", model, case, stats["seconds"], stats["rows"])
    return rows
