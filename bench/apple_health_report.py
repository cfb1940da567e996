"""Section 9 of BENCHMARKS.md (Apple Health exports), and splicing it into the file."""

from __future__ import annotations

from dlt_sources.apple_health.settings import BATCH_ROWS

HEADING = "## 9. Apple Health export (issue #18)"
FLOOR_TARGET = 0.6
REIMPORT_TARGET = 0.10
FLAT = 1.25


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
        f"| {n} | {case['file_mb']:,.0f} | bare iterparse floor (before / after) | "
        f"{floor['seconds']:.1f} ({runs}) | – | {rate:,.0f} | 1.00 | – | – | "
        f"{floor['cpu_s']:.0f} | – |",
        f"| {n} | {case['file_mb']:,.0f} | the source's reader alone (arrow tables, no dlt) | "
        f"{reader['seconds']:.1f} | – | {elements / reader['seconds']:,.0f} | "
        f"{floor['seconds'] / reader['seconds']:.2f} | – | – | – | – |",
    ]
    for row, label, mb in (
        (first, "end to end into PostgreSQL", case["file_mb"]),
        (identical, "re-import, identical file", case["file_mb"]),
        (later, "later export (whole history + new days)", case["later_mb"]),
    ):
        speed = elements / row["seconds"] if row is first else None
        rows.append(
            f"| {n} | {mb:,.0f} | {label} | {row['seconds']:.1f} | "
            f"{row['import']['seconds']:.1f} + {row['materialize']['seconds']:.1f} | "
            + (f"{speed:,.0f} | {speed / rate:.2f} | – | " if speed else
               f"– | – | {row['seconds'] / first['seconds']:.3f} | ")
            + f"{row['rows_written']:,} | {row['cpu_s']:.0f} | "
            f"{row['materialize']['tree_mb']:.0f} |"
        )  # fmt: skip
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
        "they end, nothing read), measured before and after the loads; × floor compares "
        "elements per second. *tree peak*: the largest sum of RSS over the `fitelt materialize` "
        "process tree (polled every 0.1 s).",
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
    reader_ratio = big["floor"]["seconds"] / big["reader"]["seconds"]
    peaks = [c["loads"][0]["materialize"]["tree_mb"] for c in cases]
    identical, later = big["loads"][1], big["loads"][2]
    lines += [
        "",
        f"- **Throughput** (target ≥ {FLOOR_TARGET}× the iterparse floor end to end into "
        f"PostgreSQL, {big['file_mb']:,.0f} MB): {_met(ratio >= FLOOR_TARGET)}, {ratio:.2f}×. "
        f"The reader alone runs at {reader_ratio:.2f}× the floor (reading seven attributes "
        "of each element into Python strings, then typing whole batches in arrow kernels). "
        f"The `fitelt` process tree used {first['cpu_s']:.0f} CPU s of the load's "
        f"{first['seconds']:.0f} s: the rest is PostgreSQL working on dlt's merge (the arrow "
        "tables written to csv load files, COPY into a staging table, then a DELETE … WHERE "
        "EXISTS over the natural key and the deduplicating INSERT) and the two CLI start-ups. "
        "In a separate in-process load of the 1 M file that DELETE, on a first load into an "
        "empty table, took longer than the parallel COPYs, while the same statement over the "
        "same tables runs in under a millisecond afterwards: where that time goes (I/O and WAL "
        "after the bulk COPY, or a plan made without statistics) is not pinned down yet.",
        f"- **Peak memory** (target: independent of file size): "
        f"{_met(peaks[-1] <= FLAT * peaks[0])}, tree peak "
        + " → ".join(f"{p:.0f} MB" for p in peaks)
        + f" from {small['file_mb']:,.0f} MB to {big['file_mb']:,.0f} MB "
        f"({peaks[-1] / peaks[0]:.2f}×). The XML is streamed; a batch of at most "
        f"{BATCH_ROWS:,} records is held at a time, and the file's tables wait in a spool "
        "on disk until it was read whole (whole-file isolation).",
        f"- **Re-import** (target: ≤ {REIMPORT_TARGET:.0%} of the first import, 0 rows): "
        f"the identical file {_met(identical['seconds'] <= REIMPORT_TARGET * first['seconds'] and identical['rows_written'] == 0)}, "  # noqa: E501
        f"{identical['rows_written']:,} rows in {identical['seconds']:.1f} s "
        f"({identical['seconds'] / first['seconds']:.1%}; the inbox's checksum, and the "
        "source's own list of loaded export checksums behind it). A later export (the whole "
        f"history again + {results['later_days']} new days) is parsed whole "
        f"({later['seconds']:.1f} s, {later['seconds'] / first['seconds']:.0%} of the first "
        f"import) but writes {later['rows_written']:,} rows: the new days, and the records "
        "of the 2-day rescan margin merged onto themselves.",
    ]
    if len(cases) > 1 and big["records"] < 4_000_000:
        lines.append(
            f"- **Size**: the largest export measured is {big['file_mb']:,.0f} MB, not the "
            "issue's 1 GB: generating and loading 1 GB took too long for this shared 2-core "
            "machine in the time given; memory is shown flat across the two sizes instead."
        )
    return lines + [""]
