"""Apple Health exports (`export.zip` / `export.xml` of the Health app).

Step count, heart rate, resting heart rate, HRV (SDNN), body mass and body fat go to
`apple_health_records`, sleep analysis to `apple_health_sleep`, workouts to
`apple_health_workouts`, and how many elements of each HealthKit type every export held
(loaded or not: unknown types are counted, never loaded row by row) to
`apple_health_type_counts`. Every table has a natural key (columns.py). Bad rows go to
`apple_health_quarantine` with the reason.

The XML is read by a vectorised line scanner (scan.py), lxml's iterparse for anything unusual
(export.py). A run whose exports are each the first of their athlete appends: records and sleep
stream into PostgreSQL by binary COPY while the file is still being read, committed once it was
read whole, its own duplicates cut (emit.py, copy.py, load.py). Otherwise (a later export) the
rows are merged on the key by dlt (records as csv files dlt imports, sleep as arrow tables).

Incremental (a later export holds the whole history again), per athlete in the resource state:
1. an export whose checksum was loaded already loads nothing (the checksum is computed in a
   thread while the export is read; the reading stops when it is known);
2. records created (creationDate, else endDate) before the latest creation instant of the
   exports loaded so far, minus `RESCAN_MARGIN`, are skipped before a row is built; records
   in the margin are sent again and merged on their key (no new row). A record backfilled
   later (an app syncing old data) has a new creationDate and loads.
The state advances only with an export read whole and committed by dlt.

lxml and pyarrow are imported when the resource runs, not with this package, so loading the
Dagster definitions (which import the hints) stays light.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dlt

from ..common.files import SourceFile, file_sha256
from .columns import (
    APPLE_HEALTH_TABLE_HINTS,
    RECORDS_HINTS,
    SLEEP_HINTS,
    TYPE_COUNTS_HINTS,
    WORKOUTS_HINTS,
)
from .detect import is_apple_health_export
from .settings import BATCH_ROWS, KNOWN_EXPORTS_KEPT, RESCAN_MARGIN, SOURCE

__all__ = [
    "APPLE_HEALTH_TABLE_HINTS",
    "RECORDS_HINTS",
    "SLEEP_HINTS",
    "TYPE_COUNTS_HINTS",
    "WORKOUTS_HINTS",
    "apple_health_source",
    "is_apple_health_export",
]

log = logging.getLogger(f"dlt_sources.{SOURCE}")  # forwarded to the Dagster run log


@dlt.source(name=SOURCE, max_table_nesting=0)
def apple_health_source(files: Sequence[SourceFile] = (), batch_rows: int = BATCH_ROWS) -> Any:
    """Apple Health exports of athletes into the apple_health_* tables."""
    for option in ("ADD_DLT_LOAD_ID", "ADD_DLT_ID"):  # as activity_files: tables made empty
        os.environ.setdefault(f"{SOURCE.upper()}__NORMALIZE__PARQUET_NORMALIZER__{option}", "true")
    prefix = f"{SOURCE.upper()}__NORMALIZE__DATA_WRITER__"
    os.environ.setdefault(f"{prefix}DISABLE_COMPRESSION", "true")
    return exports(files, batch_rows)


@dlt.resource(name="records")
def exports(files: Sequence[SourceFile] = (), batch_rows: int = BATCH_ROWS) -> Iterator[Any]:
    """Each export's rows (csv files), workouts, counts; bad rows and files to the quarantine."""
    from .emit import export_items
    from .export import ExportDone, ExportReader
    from .load import prepare_tables

    state = dlt.current.resource_state().setdefault("athletes", {})
    margin_us = int(RESCAN_MARGIN.total_seconds() * 1_000_000)
    # A checksum the caller did not give (the inbox's) is computed in a thread while the
    # exports are read (hashing 1 GB takes a second of its own); an export found loaded
    # already is dropped then, before any commit.
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{SOURCE}-sha256")
    try:
        checksums = [_checksum(hashing, source_file) for source_file in files]
        disposition = prepare_tables([f.athlete_id for f in files]) if files else "merge"
        folder = _work_folder()
        for source_file, checksum in zip(files, checksums, strict=True):
            athlete = state.setdefault(source_file.athlete_id, {"exports": [], "latest_us": None})
            if checksum.done() and checksum.result() in athlete["exports"]:
                log.info("%s: this export was loaded already: skipped", source_file.display_name)
                continue
            latest = athlete["latest_us"]
            reader = ExportReader(
                export_sha256=checksum,
                cutoff_us=None if latest is None else latest - margin_us,
                batch_rows=batch_rows,
            )
            items = export_items(source_file, reader, disposition, folder,
                                 loaded=athlete["exports"])  # fmt: skip
            for item in items:
                if isinstance(item, ExportDone):
                    exports = [*athlete["exports"], item.export_sha256]
                    athlete["exports"] = exports[-KNOWN_EXPORTS_KEPT:]
                    if item.latest_us is not None:
                        athlete["latest_us"] = max(latest or item.latest_us, item.latest_us)
                    _log_export(source_file, reader)
                else:
                    yield item
    finally:
        hashing.shutdown(wait=False, cancel_futures=True)


def _checksum(hashing: ThreadPoolExecutor, source_file: SourceFile) -> Future[str]:
    """The export's sha256: the one its caller knows (done at once), else hashed in `hashing`."""
    if source_file.checksum:
        known: Future[str] = Future()
        known.set_result(source_file.checksum)
        return known
    return hashing.submit(file_sha256, source_file.path)


def _work_folder() -> Any:
    """Where the csv files go: next to dlt's load packages (hard links, not copies)."""
    try:
        return Path(dlt.current.pipeline().pipelines_dir)
    except Exception:  # noqa: BLE001 - no pipeline: the system's temporary folder
        return None


def _log_export(source_file: SourceFile, reader: Any) -> None:
    from .settings import QUANTITY_TYPES, SLEEP_TYPE

    unknown = {
        hk_type: count
        for (element, hk_type), count in reader.counts.items()
        if element == "Record" and hk_type not in QUANTITY_TYPES and hk_type != SLEEP_TYPE
    }
    log.info(
        "%s: %d elements, %d already loaded by an earlier export, %d quarantined, "
        "%d of %d types not loaded (counted in apple_health_type_counts)",
        source_file.display_name, sum(reader.counts.values()), reader.skipped,
        reader.quarantined, sum(unknown.values()), len(unknown),
    )  # fmt: skip
