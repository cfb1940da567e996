"""Activity files (FIT, TCX, GPX; gzipped; zips such as Strava's and Garmin's bulk exports).

Each decoded file version becomes one row of `activity_files`, its samples rows of
`activity_file_records` and its laps rows of `activity_file_laps` (notes/activity_contract.md),
handed to dlt as pyarrow tables (the COPY path). Files are read under whole-file isolation:
one that fails loads nothing, gets a line-0 row in `activity_files_quarantine` and is
rejected; a bad member of an archive is quarantined alone. The decoders (fitdecode, lxml,
gpxpy, pyarrow) are imported when the resource runs, not with this package, so loading the
Dagster definitions (which import the hints) stays light.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import dlt

from ..common.files import SourceFile
from ..common.isolation import isolated_file_items
from .columns import ACTIVITY_FILES_HINTS, LAPS_HINTS, RECORDS_HINTS
from .detect import detect_activity_format, gunzip_head, sniff
from .settings import (
    FILE_BATCH_ROWS,
    HEAD_BYTES,
    LAP_BATCH_ROWS,
    RECORD_BATCH_ROWS,
    SOURCE,
)

__all__ = [
    "ACTIVITY_FILES_HINTS",
    "ACTIVITY_FILE_TABLE_HINTS",
    "LAPS_HINTS",
    "RECORDS_HINTS",
    "activity_files_source",
    "detect_activity_format",
]

log = logging.getLogger(f"dlt_sources.{SOURCE}")  # forwarded to the Dagster run log

# For `common.tables.ensure_tables`: the tables exist (empty) before any file arrived.
ACTIVITY_FILE_TABLE_HINTS = (ACTIVITY_FILES_HINTS, RECORDS_HINTS, LAPS_HINTS)


@dlt.source(name=SOURCE, max_table_nesting=0)
def activity_files_source(
    files: Sequence[SourceFile] = (), skip_versions: Collection[tuple[str, str]] = ()
) -> Any:
    """Activity files of athletes into the activity_files* tables.

    `skip_versions`: (athlete_id, content hash of the decompressed file) pairs already in
    raw.activity_files; those versions are not decoded again and write no row. The same
    bytes imported for two athletes are two versions: one athlete's data never becomes
    another's.
    """
    _arrow_rows_get_dlt_columns()
    _load_files_for_parallel_copy()
    return decoded_files(files, skip_versions)


def _arrow_rows_get_dlt_columns() -> None:
    """Let dlt add `_dlt_load_id` and `_dlt_id` to our arrow tables, in pipeline `SOURCE` only.

    dlt adds neither to arrow items by default, but `common.tables.ensure_tables` declares
    both NOT NULL when it creates the tables before any file arrived: the first load into
    them would then fail. The setting is scoped to the pipeline named like the source (how the
    orchestration names it), so no other pipeline of the process changes.
    """
    for option in ("ADD_DLT_LOAD_ID", "ADD_DLT_ID"):
        os.environ.setdefault(f"{SOURCE.upper()}__NORMALIZE__PARQUET_NORMALIZER__{option}", "true")


def _load_files_for_parallel_copy() -> None:
    """Load files of at most RECORD_BATCH_ROWS rows, uncompressed, in pipeline `SOURCE` only.

    A bulk export is millions of records: as one gzipped csv they were one COPY after a
    single-threaded gzip, both after the last file was decoded. Split, they load as parallel
    COPY jobs (dlt's load workers); uncompressed, the normalise step writes them at disk speed
    (the working folder is deleted after the run; ≈ 220 bytes a record meanwhile).
    """
    prefix = f"{SOURCE.upper()}__NORMALIZE__DATA_WRITER__"
    os.environ.setdefault(f"{prefix}FILE_MAX_ITEMS", str(RECORD_BATCH_ROWS))
    os.environ.setdefault(f"{prefix}DISABLE_COMPRESSION", "true")


@dlt.resource(name="files")
def decoded_files(
    files: Sequence[SourceFile] = (), skip_versions: Collection[tuple[str, str]] = ()
) -> Iterator[Any]:
    """One row per file version, its records and laps; bad files to the quarantine."""
    from .batches import TableBatches
    from .reader import RunReader, VersionTables

    reader = RunReader(skip_versions=frozenset(skip_versions))
    batches = TableBatches(
        (ACTIVITY_FILES_HINTS, FILE_BATCH_ROWS),
        (RECORDS_HINTS, RECORD_BATCH_ROWS),
        (LAPS_HINTS, LAP_BATCH_ROWS),
    )
    # Archives first: a bulk export knows each file's Strava activity, so when the same
    # version also comes as a plain file in this run, the linked copy is the one kept.
    ordered = sorted(files, key=_archives_first)
    with reader:
        reader.plan(ordered)  # read ahead, decoded in parallel (reader.py)
        for source_file in ordered:
            for item in isolated_file_items(SOURCE, source_file, reader.read):
                if isinstance(item, VersionTables):
                    yield from batches.add(item.files, item.records, item.laps)
                else:
                    yield item
    yield from batches.flush()
    counts = reader.counts
    log.info(
        "activity files: %d versions decoded, %d already loaded, %d repeated in this run, "
        "%d not activities skipped",
        counts["decoded"], counts["known"], counts["repeated"], counts["skipped"],
    )  # fmt: skip


def _archives_first(source_file: SourceFile) -> int:
    try:
        with source_file.path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return 1  # its read will fail and reject it, in its turn
    kind = sniff(head)
    return 0 if kind == "zip" or (kind == "gzip" and sniff(gunzip_head(head)) == "zip") else 1
