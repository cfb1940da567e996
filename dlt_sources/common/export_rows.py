"""Rows of one export file: good rows in batches, bad lines to quarantine."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import dlt

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
    resource itself carries none). An exception (e.g. the reader's format error) rejects the
    whole file: run it under `isolated_file_items`, which records it and lets the others load.
    """
    log = logging.getLogger(f"dlt_sources.{source}")  # forwarded to the Dagster run log
    good = bad = 0
    batch: list[dict[str, Any]] = []
    name = printable(source_file.display_name)
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
        rows = result if isinstance(result, list) else [result]
        batch.extend({**row, "source_file": name} for row in rows)
        if len(batch) >= batch_rows:
            yield dlt.mark.with_hints(batch, hints, create_table_variant=True)
            batch = []
    if batch:
        yield dlt.mark.with_hints(batch, hints, create_table_variant=True)
    log.info("%s: %d %s loaded, %d quarantined", name, good, noun, bad)
