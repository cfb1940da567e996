"""Rows of one export file: good rows in batches, bad lines to quarantine."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from . import arrow_rows
from .arrow_rows import row_items
from .files import SourceFile
from .quarantine import quarantine_row
from .textfile import printable


def export_rows(
    source: str,
    source_file: SourceFile,
    parsed: Iterable[tuple[int, str, Any]],
    *,
    hints: Any,
    noun: str,
    batch_rows: int,
) -> Iterator[Any]:
    """Route a reader's (line, raw, row(s) or error) triples to the table and its quarantine.

    Good rows travel with `hints` as a table variant (see the Withings source for why the
    resource itself carries none), as pyarrow tables of up to `arrow_rows.TABLE_ROWS` rows:
    dlt loads them with COPY instead of normalising dicts row by row (`batch_rows` at a time
    on the dict path). Bad ones go to quarantine as dict rows. An exception (e.g. the reader's
    format error) rejects the whole file: run it under `isolated_file_items`, which records
    it and lets the others load.
    """
    log = logging.getLogger(f"dlt_sources.{source}")  # forwarded to the Dagster run log
    good = bad = 0
    batch: list[dict[str, Any]] = []
    name = printable(source_file.display_name)
    constants = {"source_file": name}
    if arrow_rows.COLUMNAR:
        batch_rows = max(batch_rows, arrow_rows.TABLE_ROWS)
    for line_no, raw, result in parsed:
        if isinstance(result, Exception):
            bad += 1
            yield quarantine_row(
                source,
                raw_record=raw,
                reason=str(result),
                athlete_id=source_file.athlete_id,
                source_file=name,
                source_line=line_no,
            )
            continue
        good += 1
        if isinstance(result, list):
            batch.extend(result)
        else:
            batch.append(result)
        if len(batch) >= batch_rows:
            yield from row_items(batch, hints, constants)
            batch = []
    yield from row_items(batch, hints, constants)
    log.info("%s: %d %s loaded, %d quarantined", name, good, noun, bad)
