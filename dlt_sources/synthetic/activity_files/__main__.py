"""`python -m dlt_sources.synthetic.activity_files OUT_DIR [--count N] [--seed S]`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .sample import write_sample_activity_files


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the sample athlete's activity files.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_sample_activity_files(args.out_dir, count=args.count, seed=args.seed)


if __name__ == "__main__":
    main()
