"""Section 9 of BENCHMARKS.md (Apple Health exports), and splicing it into the file."""

from __future__ import annotations

from dlt_sources.apple_health.copy import QUEUED_BLOCKS
from dlt_sources.apple_health.scan import BLOCK_BYTES
from dlt_sources.apple_health.settings import BATCH_ROWS

HEADING = "## 9. Apple Health export (issue #18)"
FLOOR_TARGET = 0.6
REIMPORT_TARGET = 0.10
FLAT = 1.25


def _seconds(value: float | None) -> str:
    return "not found in its log" if value is None else f"{value:.2f} s"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _rows(case: dict) -> list[str]:
    floor, reader = case["floor"], case["reader"]
    first, identical, later = case["loads"]
    n = f"{case['records']:,}"
    elements = floor["elements"]
    runs = " / ".join(f"{s:.1f}" for s in floor["runs"])
    rate = elements / floor["seconds"]
    rows = [
        f"| {n} | {case['file_mb']:,.0f} | bare iterparse floor (best of before / after) | "
        f"{floor['seconds']:.1f} ({runs}) | – | {rate:,.0f} | 1.00 | – | – | "
        f"{floor['cpu_s']:.0f} | – |",
        f"| {n} | {case['file_mb']:,.0f} | the source's reader alone (arrow tables, no dlt) | "
        f"{reader['seconds']:.1f} | – | {elements / reader['seconds']:,.0f} | "
        f"{floor['seconds'] / reader['seconds']:.2f} | – | – | – | – |",
    ]
    step = first["materialize"].get("step_s")
    if step:
        rows.append(
            f"| {n} | {case['file_mb']:,.0f} | the asset step (parse + load into PostgreSQL) | "
            f"{step:.1f} | – | {elements / step:,.0f} | {floor['seconds'] / step:.2f} | – | "
            f"{first['rows_written']:,} | – | – |"
        )
    for row, label, mb in (
        (first, "end to end, CLI (import + materialise; best of "
         + " / ".join(f"{r:.1f}" for r in first.get("runs", [first["seconds"]])) + " s)",
         case["file_mb"]),
        (identical, "re-import, identical file (`fitelt import` alone: nothing queued)",
         case["file_mb"]),
        (later, "later export (whole history + new days)", case["later_mb"]),
    ):  # fmt: skip
        speed = elements / row["seconds"] if row is first else None
        run = row["materialize"]
        parts = f"{row['import']['seconds']:.1f} + " + (f"{run['seconds']:.1f}" if run else "–")
        peak = run["tree_mb"] if run else row["import"]["tree_mb"]
        rows.append(
            f"| {n} | {mb:,.0f} | {label} | {row['seconds']:.1f} | {parts} | "
            + (f"{speed:,.0f} | {speed / rate:.2f} | – | " if speed else
               f"– | – | {row['seconds'] / first['seconds']:.3f} | ")
            + f"{row['rows_written']:,} | {row['cpu_s']:.0f} | {peak:.0f} |"
        )  # fmt: skip
    idle = case.get("idle_run")
    if idle:
        rows.append(
            f"| {n} | – | a run with nothing waiting (`fitelt materialize` after the re-import; "
            f"its step {_seconds(idle.get('step_s'))}) | {idle['seconds']:.1f} | – + "
            f"{idle['seconds']:.1f} | – | – | {idle['seconds'] / first['seconds']:.3f} | 0 | "
            f"{idle['cpu_s']:.0f} | {idle['tree_mb']:.0f} |"
        )
    return rows


def apple_health_section(results: dict) -> list[str]:
    cases = results["cases"]
    lines = [
        HEADING,
        "",
        f"Measured {results['measured']} by `{results.get('command', 'python -m bench')}` on "
        f"the same machine ({results['cores']} cores, shared). A generated export.xml of N "
        "records (`dlt_sources/synthetic/apple_health/large.py`: heart rate, steps, active "
        "energy, sleep, HRV, resting HR, body mass and fat in the Health app's proportions, "
        "sorted by type, with the app's DOCTYPE), imported and loaded as a user does it: "
        "`fitelt import` + `fitelt materialize --select group:apple_health`, each a "
        "subprocess, into a fresh warehouse (raw tables only: no dbt). The floor is lxml's "
        "iterparse alone over the same file (same options, elements cleared and removed as "
        "they end, nothing read), measured before and after the loads, and the first import "
        "made twice (two fresh warehouses): each is the best of its two runs, this machine being "
        "shared; × floor compares elements per second. *The asset step*: the `apple_health` "
        "step of that same "
        "`fitelt materialize` run as Dagster times it (the inbox, the pipeline lock, dlt, the "
        "parse and the load into PostgreSQL, the archive; not the two commands' start-ups). "
        "*tree peak*: the largest sum of RSS over the `fitelt materialize` process tree (of "
        "`fitelt import` where no run follows) "
        "(polled every 0.1 s).",
        "",
        "| records | MB | what | seconds | import + materialise s | elements/s | × floor "
        "| × first import | rows written | CPU s | tree peak MB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        lines += _rows(case)
    big, small = cases[-1], cases[0]
    first = big["loads"][0]
    ratio = big["floor"]["seconds"] / first["seconds"]  # the same elements: a speed ratio
    step = first["materialize"].get("step_s")
    reader_ratio = big["floor"]["seconds"] / big["reader"]["seconds"]
    idle = big.get("idle_run") or {}
    start_up = idle.get("seconds", 0.0) - (idle.get("step_s") or 0.0)
    if step:
        step_ratio = big["floor"]["seconds"] / step
        step_text = f"{_met(step_ratio >= FLOOR_TARGET)}, {step_ratio:.2f}× ({step:.1f} s)"
    else:
        step_text = "not measured (no STEP_SUCCESS in the run's events)"
    peaks = [c["loads"][0]["materialize"]["tree_mb"] for c in cases]
    identical, later = big["loads"][1], big["loads"][2]
    reimport_ok = (identical["seconds"] <= REIMPORT_TARGET * first["seconds"]
                   and identical["rows_written"] == 0)  # fmt: skip
    lines += [
        "",
        f"- **Throughput** (target ≥ {FLOOR_TARGET}× the iterparse floor end to end into "
        f"PostgreSQL, {big['file_mb']:,.0f} MB): the parse and load (the asset step) "
        f"{step_text}; as a user runs it, the two commands included, "
        f"{_met(ratio >= FLOOR_TARGET)}, {ratio:.2f}× ({first['seconds']:.1f} s: `fitelt "
        f"import` {first['import']['seconds']:.1f} s, hashing the file and copying it in the "
        f"kernel, and `fitelt materialize`, whose start-up and teardown alone take "
        f"{start_up:.1f} s whatever the file, as the run with nothing waiting shows). The "
        f"reader alone runs at {reader_ratio:.2f}× the floor: the app's one-element-per-line "
        "layout is matched by RE2 line patterns and the attributes cut at their quotes, "
        "vectorised (pyarrow, numpy), lxml kept for any other element and, for a file it "
        "cannot vouch for, the whole file. A first import is appended, not merged: records "
        "and sleep stream into PostgreSQL by binary COPY while the file is still being read "
        "(PostgreSQL inserts on the second core), into a table the same transaction created, "
        "whose natural-key index is built once the rows are in (one sort, not 3 M index "
        "insertions), committed once the file was read whole. The floor is one core of lxml; "
        "the load uses both.",
        f"- **Peak memory** (target: independent of file size): "
        f"{_met(peaks[-1] <= FLAT * peaks[0])}, tree peak "
        + " → ".join(f"{p:.0f} MB" for p in peaks)
        + f" from {small['file_mb']:,.0f} MB to {big['file_mb']:,.0f} MB "
        f"({peaks[-1] / peaks[0]:.2f}×). The XML is read in blocks of "
        f"{BLOCK_BYTES >> 20} MB, a batch of at "
        f"most {BATCH_ROWS:,} records per type is held, each COPY's queue at most "
        f"{QUEUED_BLOCKS} batches, and the export's own duplicates are found in 64 key "
        "partitions of 128-bit key hashes on disk, one "
        "in memory at a time; nothing is visible before the file was read whole (whole-file "
        "isolation: the COPY's transaction commits then).",
        f"- **Re-import** (target: ≤ {REIMPORT_TARGET:.0%} of the first import, 0 rows): "
        f"the identical file {_met(reimport_ok)}, {identical['rows_written']:,} rows in "
        f"{identical['seconds']:.1f} s ({identical['seconds'] / first['seconds']:.1%}): "
        "`fitelt import` hashes the file before it copies anything, finds the checksum among "
        "the loaded (archived) exports and says so; nothing is copied and nothing waits, so "
        "neither the sensor nor a user starts a run. A run that starts anyway (the 3-hourly "
        f"schedule) finds nothing to load: {idle.get('seconds', 0.0):.1f} s, its step "
        f"{_seconds(idle.get('step_s'))}, the rest the command's start-up. A later export "
        f"(the whole history again + {results['later_days']} new days) is parsed whole "
        f"({later['seconds']:.1f} s, {later['seconds'] / first['seconds']:.0%} of the first "
        f"import) but writes {later['rows_written']:,} rows: the new days, and the records "
        "of the 2-day rescan margin merged onto themselves (dlt's merge: records as csv "
        "files dlt imports, sleep as arrow tables).",
    ]
    if len(cases) > 1 and big["records"] < 4_000_000:
        lines.append(
            f"- **Size**: the largest export measured is {big['file_mb']:,.0f} MB, not the "
            "issue's 1 GB: generating and loading 1 GB took too long for this shared 2-core "
            "machine in the time given; memory is shown flat across the two sizes instead."
        )
    return lines + [""]
