"""What every run pays before it does anything: importing the code location, and a no-op
`fitelt materialize` of one source, against the floor of importing the frameworks alone.

Measured side by side in one run, interleaved (frameworks, definitions, no-op, …) so a busy
machine slows all of them alike; medians of `repeats`. With `before` (a checkout of an earlier
commit) the same two numbers are measured for that tree too, in the same interleaving.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from fitelt.settings import PROJECT_ROOT
from fitelt.warehouse import ConnInfo

from .pipeline import _fitelt, _installation

log = logging.getLogger(__name__)

FRAMEWORKS = "import dagster, dagster_dbt, dagster_dlt, dlt"
DEFINITIONS = "import orchestration.definitions"
NO_OP = ["materialize", "--select", "group:withings"]


def _python(code: str, tree: Path) -> tuple[float, float]:
    """(wall seconds, peak MB) of `python -c code` with `tree` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-c", code],
        env=env, cwd=tree, check=True, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def _old_cli(args: list[str], env: dict[str, str], tree: Path) -> float:
    """Wall seconds of the older tree's `fitelt ARGS` (its CLI lived in orchestration.cli)."""
    code = f"import sys; from orchestration.cli.main import main; sys.exit(main({args!r}))"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], env={**env, "PYTHONPATH": str(tree)}, cwd=tree,
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def run_startup(server: ConnInfo, *, repeats: int = 5, before: Path | None = None) -> dict:
    trees = {"now": PROJECT_ROOT, **({"before": before} if before else {})}
    env = _installation(server)
    env_before: dict[str, str] = {}
    try:
        assert _fitelt(NO_OP, env) > 0  # the first run loads the sample; later runs have nothing
        env_before = _installation(server) if before else {}  # its own folder: the old dlt layout
        if before:
            _old_cli(NO_OP, env_before, before)
        samples: dict[str, list[tuple[float, float]]] = {}
        for _ in range(repeats):
            samples.setdefault("frameworks", []).append(_python(FRAMEWORKS, PROJECT_ROOT))
            for label, tree in trees.items():
                samples.setdefault(f"definitions ({label})", []).append(_python(DEFINITIONS, tree))
            samples.setdefault("no-op materialize (now)", []).append((_fitelt(NO_OP, env), 0.0))
            if before:
                samples.setdefault("no-op materialize (before)", []).append(
                    (_old_cli(NO_OP, env_before, before), 0.0)
                )
    finally:  # the installations' data folders (their databases go with the server)
        for folder in {env.get("FITELT_DATA_DIR"), env_before.get("FITELT_DATA_DIR")} - {None}:
            shutil.rmtree(str(folder), ignore_errors=True)
    rows = []
    floor = statistics.median(s for s, _ in samples["frameworks"])
    for name, values in samples.items():
        seconds = statistics.median(s for s, _ in values)
        memory = statistics.median(m for _, m in values)
        rows.append({"what": name, "seconds": seconds, "peak_mb": memory, "ratio": seconds / floor})
        log.info("%-32s %6.2f s  %5.0f MB  %.2fx", name, seconds, memory, seconds / floor)
    return {"repeats": repeats, "rows": rows}


STARTUP_HEADING = "## 6. Start-up: definitions import and a no-op run (issue #15)"


def startup_table(startup: dict) -> list[str]:
    lines = [
        STARTUP_HEADING,
        "",
        f"Median of {startup['repeats']} interleaved runs each, against the floor of importing "
        "`dagster, dagster_dbt, dagster_dlt, dlt` alone (the ratio column). Targets (issue "
        "#15): definitions ≤ 1.25× the floor, a no-op `fitelt materialize --select "
        "group:withings` ≤ 1.5×. *before* is the tree before the application moved out of "
        "`orchestration/` (pandas and scikit-learn were imported with the forecast asset).",
        "",
        "| what | seconds | peak MB | × frameworks |",
        "|---|---:|---:|---:|",
    ]
    for row in startup["rows"]:
        memory = f"{row['peak_mb']:.0f}" if row["peak_mb"] else "–"
        lines.append(f"| {row['what']} | {row['seconds']:.2f} | {memory} | {row['ratio']:.2f} |")
    return [*lines, ""]
