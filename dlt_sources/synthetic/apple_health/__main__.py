"""`python -m dlt_sources.synthetic.apple_health OUT_DIR [--days N] [--large RECORDS]`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .large import write_large_export
from .sample import write_sample_apple_health


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the sample athlete's Apple Health export.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--large", type=int, metavar="RECORDS", help="write a large export.xml of this many records"
    )
    parser.add_argument("--extra-days", type=int, default=0, help="with --large: a later export")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.large:
        path = write_large_export(
            args.out_dir / "export.xml", records=args.large, seed=args.seed,
            extra_days=args.extra_days,
        )  # fmt: skip
    else:
        path = write_sample_apple_health(args.out_dir, days=args.days, seed=args.seed)
    logging.info("wrote %s (%d bytes)", path, path.stat().st_size)


if __name__ == "__main__":
    main()
