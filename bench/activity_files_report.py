"""Section 7 of BENCHMARKS.md (activity files), and splicing it into the file as it stands."""

from __future__ import annotations

HEADING = "## 7. Activity files (issue #16)"
FLOOR_TARGET = 0.7
REIMPORT_TARGET = 0.05
FLAT = 1.25  # peak at the largest N over the smallest: at most this is "flat"


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _case_rows(case: dict, workers: int) -> list[str]:
    floor = case["floor"]
    pooled, alone, repack, identical = case["loads"]
    n = f"{case['count']:,}"
    runs = " / ".join(f"{s:.1f}" for s in floor["runs"])
    rows = [
        f"| {n} | decode floor: fitdecode alone, 1 process (before / after) | "
        f"{floor['seconds']:.1f} ({runs}) | – | {floor['records_per_s']:,.0f} | 1.00 | – | – | "
        f"{floor['cpu_s']:.0f} | – | – |"
    ]
    parallel = case.get("parallel_floor")
    if parallel:
        rows.append(
            f"| {n} | the floor split over {parallel['processes']} processes at once "
            f"(what the machine gave parallel work) | {parallel['seconds']:.1f} | – | "
            f"{parallel['records_per_s']:,.0f} | "
            f"{parallel['records_per_s'] / floor['records_per_s']:.2f} | – | – | "
            f"{parallel['cpu_s']:.0f} | – | – |"
        )
    for row, label in (
        (pooled, f"end to end, {workers} decoder processes"),
        (alone, "end to end, decoding in-process"),
        (repack, "re-import, same members re-packed"),
        (identical, "re-import, identical file"),
    ):
        first = row is pooled or row is alone
        speed = row["records"] / row["seconds"] if first else None
        rows.append(
            f"| {n} | {label} | {row['seconds']:.1f} | {row['import']['seconds']:.1f} + "
            f"{row['materialize']['seconds']:.1f} | "
            + (f"{speed:,.0f} | {speed / floor['records_per_s']:.2f} | – | " if speed else
               f"– | – | {row['seconds'] / pooled['seconds']:.3f} | ")
            + f"{row['rows_written']:,} | {row['cpu_s']:.0f} | "
            f"{row['materialize']['main_mb']:.0f} | {row['materialize']['tree_mb']:.0f} |"
        )  # fmt: skip
    return rows


def _phases(row: dict, floor: dict) -> str:
    """Where the end-to-end time of `row` went: up to the last member decoded, and after."""
    decoded = row["materialize"].get("decoded_at_s")
    if decoded is None:
        return ""
    before = row["import"]["seconds"] + decoded
    after = row["seconds"] - before
    rate = row["records"] / before / floor["records_per_s"]
    return (
        f" Of its {row['seconds']:.0f} s, {before:.0f} s went until the last member was "
        f"decoded (CLI start-ups included: {rate:.2f}× the floor's records/s up to there) and "
        f"{after:.0f} s after it: dlt's extract, normalise and load into PostgreSQL (records "
        "go through a staging table and a delete-insert on the version: "
        "`dlt_sources/activity_files/columns.py`), which start only once the archive was read "
        "whole, as it is one file."
    )


def _small(case: dict) -> str:
    """The throughput sentence of a smaller N (its fixed costs weigh more)."""
    pooled, alone = case["loads"][:2]
    floor = case["floor"]["records_per_s"]
    parallel = case.get("parallel_floor")
    gave = f"; parallel work got {parallel['records_per_s'] / floor:.2f}×" if parallel else ""
    return (
        f" At {case['count']:,} activities: {pooled['records'] / pooled['seconds'] / floor:.2f}× "
        f"({alone['records'] / alone['seconds'] / floor:.2f}× in-process{gave}), the start-ups "
        "and the pool's own (≈ 1 s of imports per decoder process) weighing ten times as much."
    )


def _reading(results: dict) -> list[str]:
    cases = results["cases"]
    small, large = cases[0], cases[-1]
    pooled, alone, repack, identical = large["loads"]
    ratio = pooled["records"] / pooled["seconds"] / large["floor"]["records_per_s"]
    alone_ratio = alone["records"] / alone["seconds"] / large["floor"]["records_per_s"]
    lines = [
        f"- **Throughput** (target ≥ {FLOOR_TARGET}× the decode floor, "
        f"{large['count']:,} activities): {_met(ratio >= FLOOR_TARGET)}, {ratio:.2f}× "
        f"({pooled['records'] / pooled['seconds']:,.0f} against "
        f"{large['floor']['records_per_s']:,.0f} records/s), with {results['workers']} "
        f"decoder processes on {results['cores']} cores; decoding in-process the same load "
        f"reaches {alone_ratio:.2f}×.{_phases(pooled, large['floor'])}"
        + (_small(small) if len(cases) > 1 else "")
    ]
    parallel = large.get("parallel_floor")
    if parallel:
        gave = parallel["records_per_s"] / large["floor"]["records_per_s"]
        lines.append(
            f"- **The machine**: fitdecode alone in {parallel['processes']} processes at once "
            f"ran {gave:.2f}× as fast as in one during this run (≈ {parallel['processes']}× "
            "on idle cores). It is shared: other sessions' work takes CPU, and the kernel "
            "shares it between sessions (autogroup), not processes, so decoder processes only "
            "speed the load up by what the session gets beyond one core."
        )
    if len(cases) > 1:
        mem = [c["loads"][0]["materialize"] for c in (small, large)]
        tree, main = mem[1]["tree_mb"] / mem[0]["tree_mb"], mem[1]["main_mb"] / mem[0]["main_mb"]
        lines.append(
            f"- **Peak memory** (target: flat from {small['count']:,} to {large['count']:,} "
            f"activities): {_met(max(tree, main) <= FLAT)}; the load's process tree "
            f"{mem[0]['tree_mb']:.0f} → {mem[1]['tree_mb']:.0f} MB ({tree:.2f}×), its main "
            f"process {mem[0]['main_mb']:.0f} → {mem[1]['main_mb']:.0f} MB ({main:.2f}×), a "
            f"decoder process at most {mem[1]['child_mb']:.0f} MB. Members are read ahead "
            "two per decoder process; a file's rows wait in a spool on disk until it was "
            "read whole (whole-file isolation), then reach dlt in batches."
        )
    share = repack["seconds"] / pooled["seconds"]
    ok = share <= REIMPORT_TARGET and repack["rows_written"] == 0
    lines.append(
        f"- **Re-import** (target: 0 rows written, ≤ {REIMPORT_TARGET:.0%} of the first "
        f"import): {_met(ok)} for the same members re-packed in a new zip, "
        f"{repack['rows_written']:,} rows in {repack['seconds']:.1f} s ({share:.1%}): the "
        "inbox takes the new file, the source hashes every member, finds each version "
        "loaded and decodes none. The identical file is stopped by the inbox's checksum: "
        f"{identical['rows_written']:,} rows in {identical['seconds']:.1f} s "
        f"({identical['seconds'] / pooled['seconds']:.1%}). Most of either is the two "
        "CLI start-ups."
    )
    return lines


def activity_files_section(results: dict) -> list[str]:
    lines = [
        HEADING,
        "",
        f"Measured {results['measured']} by `{results.get('command', 'python -m bench')}` on the "
        "same machine (its own run; this table's ratios are read within it). A Garmin-style "
        "bulk export of N one-hour 1 Hz FIT activities (`write_bulk_archive`, seed "
        f"{results['seed']}) imported and loaded as a user does it: `fitelt import` + "
        "`fitelt materialize --select group:activity_files`, each a subprocess, into a fresh "
        "warehouse (raw tables only: no dbt). The floor decodes the same members with "
        "fitdecode alone (every message, same reader options, one process), measured before "
        "and after the loads; × floor compares records per second. Re-imports go into the "
        "warehouse of the first line. *CPU s*: user + system of the whole process tree. "
        "*main peak*: VmHWM of the `fitelt materialize` process; *tree peak*: the largest sum "
        "of RSS over it and its decoder processes (polled every 0.1 s).",
        "",
        "| activities | what | seconds | import + materialise s | records/s | × floor "
        "| × first import | rows written | CPU s | main peak MB | tree peak MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in results["cases"]:
        lines += _case_rows(case, results["workers"])
    return [*lines, "", *_reading(results), ""]
