"""The tables of BENCHMARKS.md, one function per benchmark (markdown lines)."""

from __future__ import annotations


def ingest_table(ingest: list[dict], n_rows: int) -> list[str]:
    lines = [
        f"## 1. Ingestion throughput ({n_rows:,} foot-pressure readings)",
        "",
        "Every method loads the same rows into a table with the same primary key.",
        "",
        "| method | seconds | rows/s | × COPY from buffer | × COPY end-to-end |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in ingest:
        lines.append(
            f"| {row['method']} | {row['seconds']:.2f} | {row['rows_per_s']:,.0f} | "
            f"{row['vs_copy_buffer']:.2f} | {row['vs_copy_end_to_end']:.2f} |"
        )
    return [*lines, "", "![rows per second](bench/ingest.svg)", ""]


def incremental_tables(incremental: dict[str, list[dict]]) -> list[str]:
    lines = [
        "## 2. Incremental cost (in-process, per source)",
        "",
        "Each source's dlt asset materialised in-process (`orchestration.lib.materialize`, "
        "one Dagster instance, Python and Dagster already started) on an empty warehouse, then "
        "again with nothing new (median of 3), with 1 % more days as a new export file, and "
        "with a re-export (whole history + 1 %). *run* = the in-process Dagster run, *step* = "
        "the asset step alone (run event log). Rows written = rows carrying a dlt load id of "
        "that run (quarantine included).",
        "",
        "| scale | source | case | run s | × full run | step s | × full step | rows written "
        "| rows in table | dlt loads |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sources = incremental["sources"]
    full = {(r["scale"], r["source"]): r for r in sources if r["case"] == "full load"}
    for row in sources:
        base = full[(row["scale"], row["source"])]
        lines.append(
            f"| ×{row['scale']} | {row['source']} | {row['case']} | {row['seconds']:.3f} | "
            f"{row['seconds'] / base['seconds']:.3f} | {row['step_seconds']:.3f} | "
            f"{row['step_seconds'] / base['step_seconds']:.3f} | {row['rows_written']:,} | "
            f"{row['table_rows']:,} | {row['loads']} |"
        )
    lines += [
        "",
        "dbt incremental models (`dbt run --select <model>`, dbt's own per-model "
        "`execution_time` from run_results.json; dbt start-up is the *dbt wall* column). "
        "`foot_sensor_minutely` sits on 180,000 readings (+1 % = 1,800 newer ones).",
        "",
        "| scale | model | case | model s | × full refresh | rows written | rows in table "
        "| dbt wall s |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    dbt = incremental["dbt"]
    refresh = {(r["scale"], r["model"]): r for r in dbt if r["case"] == "full refresh"}
    for row in dbt:
        base = refresh[(row["scale"], row["model"])]
        written = "" if row["rows_written"] is None else f"{row['rows_written']:,}"
        lines.append(
            f"| ×{row['scale']} | {row['model']} | {row['case']} | {row['seconds']:.2f} | "
            f"{row['seconds'] / base['seconds']:.2f} | {written} | {row['table_rows']:,} | "
            f"{row['dbt_wall']:.1f} |"
        )
    return [*lines, ""]


def scaling_table(scaling: list[dict]) -> list[str]:
    lines = [
        "## 3. Scaling (whole pipeline on N× the sample)",
        "",
        "N synthetic athletes × 3 years (`bench/data.py`; ×1 is exactly `sample_data/`), each "
        "scale in a fresh process on an empty warehouse: load (3 file sources) + dbt build "
        "(their models and tests) + forecast training, each an in-process `materialize`. Peak "
        "RSS of the worker process (VmHWM since its exec) and of its dbt subprocess (polled) "
        "apart; "
        "*baseline* = the worker after imports and data generation.",
        "",
        "| scale | raw rows | load s | dbt build s | train s | pipeline s | × time ×1 | µs/row "
        "| worker peak MB | baseline MB | dbt peak MB | warehouse MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in scaling:
        steps = row["steps"]
        lines.append(
            f"| ×{row['scale']} | {row['rows']:,} | {steps['load']:.1f} | "
            f"{steps['dbt build']:.1f} | {steps['train']:.1f} | {row['pipeline_s']:.1f} | "
            f"{row['time_vs_first']:.2f} | {row['us_per_row']:.0f} | {row['peak_rss_mb']:.0f} | "
            f"{row['baseline_rss_mb']:.0f} | {row['dbt_peak_rss_mb']:.0f} | {row['db_mb']:.0f} |"
        )
    return [*lines, "", "![pipeline seconds per scale](bench/scaling.svg)", ""]


def freshness_table(freshness: list[dict], site_build: float | None) -> list[str]:
    lines = [
        "## 4. Freshness (bundled simulators running)",
        "",
        "Delay from a reading / telemetry second being served to a SQL poller (every 50 ms) "
        "first seeing it in PostgreSQL, and to the site's live JSON API (report server + "
        "`api_handler`, polled over HTTP every 100 ms) first showing it. The API shows the "
        "latest reading per person / second per ride, so its samples are those.",
        "",
        "| stream | seen by | samples | p50 s | p95 s | max s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in freshness:
        lines.append(
            f"| {row['stream']} | {row['path']} | {row['samples']:,} | {row['p50']:.2f} | "
            f"{row['p95']:.2f} | {row['max']:.2f} |"
        )
    if site_build is not None and site_build < 0:
        lines += [
            "",
            "The site rebuild + publish (`key:report_site`) **failed** in this run (section 5), "
            "so no time for warehouse-backed pages to reach the site is stated here.",
        ]
    elif site_build is not None:
        lines += [
            "",
            f"Warehouse-backed static pages (marts, anomaly log) reach the site only with a "
            f"rebuild + publish: {site_build:.0f} s in this run (the `key:report_site` step "
            "below), after their dbt models.",
        ]
    return [*lines, ""]


def pipeline_table(pipeline: list[dict]) -> list[str]:
    full = next(r["seconds"] for r in pipeline if r["step"].startswith("load all"))
    lines = [
        "## 5. End to end on the sample data (`fitelt` subprocesses)",
        "",
        "Each step is a `fitelt materialize --select …` subprocess (Python + Dagster start-up "
        "included). The first row is a separate empty warehouse; the others run in order on "
        "another one.",
        "",
        "| step | selection | seconds | × full source load |",
        "|---|---|---:|---:|",
    ]
    for row in pipeline:
        failed = "" if row.get("ok", True) else " **(failed)**"
        lines.append(
            f"| {row['step']}{failed} | `{row['selection']}` | {row['seconds']:.1f} | "
            f"{row['seconds'] / full:.2f} |"
        )
    return [*lines, ""]


def incremental_table_notes(incremental: dict[str, list[dict]]) -> list[str]:
    """Target: a no-op re-run costs ≤ 5 % of a full load and writes no rows."""
    sources = incremental["sources"]
    full = {(r["scale"], r["source"]): r for r in sources if r["case"] == "full load"}
    noop = [r for r in sources if r["case"] == "no new data"]
    lines = []
    for scale in sorted({r["scale"] for r in noop}):
        rows = [r for r in noop if r["scale"] == scale]
        run = max(r["seconds"] / full[(scale, r["source"])]["seconds"] for r in rows)
        step = max(r["step_seconds"] / full[(scale, r["source"])]["step_seconds"] for r in rows)
        written = sum(r["rows_written"] for r in rows)
        lines.append(
            f"- **No-op re-run, ×{scale}** (target ≤ 5 % of the full load, 0 rows): rows "
            f"written {written} ({'met' if written == 0 else 'MISSED'}); worst source "
            f"{run * 100:.1f} % of its full load as a Dagster run "
            f"({'met' if run <= 0.05 else 'MISSED'}), {step * 100:.1f} % as the asset step "
            f"({'met' if step <= 0.05 else 'MISSED'}). What is left is Dagster's run "
            "bookkeeping (≈ 0.05 s) and listing the inbox; it does not grow with the data."
        )
    lines.append(
        "- **1 % new data** writes just the new rows (a new export file holds only new days). "
        "A **re-export** of the whole history rewrites every row: the file is new (new "
        "checksum) and dlt's merge is delete-insert on the natural key, so unchanged rows are "
        "deleted and inserted again. Correct (no duplicates), but its cost is a full load. "
        "(A re-export identical to the loaded file — an athlete with no new activity — is "
        "skipped by its checksum, hence fewer Strava rows at ×10.)"
    )
    lines.append(
        "- **dbt incremental** models recompute a window on purpose even with nothing new: "
        "`runs` the athlete's last 28 days (Strava edits), `foot_sensor_minutely` the newest "
        "stored minute (it may have been partial); so *rows written* is not 0 for them."
    )
    dbt = incremental["dbt"]
    refresh = {(r["scale"], r["model"]): r["seconds"] for r in dbt if r["case"] == "full refresh"}
    noop = [r for r in dbt if r["case"] == "no new data"]
    worst = max(noop, key=lambda r: r["seconds"] / refresh[(r["scale"], r["model"])], default=None)
    if worst is not None:
        ratio = worst["seconds"] / refresh[(worst["scale"], worst["model"])]
        lines.append(
            "- **dbt incremental vs full refresh** (target: no-op ≤ 5 %): "
            + ("met" if ratio <= 0.05 else "MISSED")
            + f"; worst `{worst['model']}` at ×{worst['scale']}, {ratio:.2f}× its full refresh. "
            "Every dbt model run costs ≈ 0.2 s whatever it does (temporary table, "
            "delete+insert, post-hook, metadata queries), and the full refreshes here take "
            "0.2–1 s, so the ratio cannot reach 5 % at these sizes; the queries themselves "
            "shrink (`runs` at ×10: its incremental query 0.11 s against 1 s). "
            "`foot_sensor_minutely` is incremental to keep minutes after their raw readings "
            "are pruned (a full refresh keeps only the retention window), not for speed."
        )
    return lines
