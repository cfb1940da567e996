"""CrossFit training log kept in a Google Sheet: via the Sheets API or downloaded as CSV."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import dlt

from ..common.arrow_rows import row_items
from ..common.files import SourceFile
from ..common.isolation import isolated_file_items
from ..common.quarantine import quarantine_row
from ..common.textfile import printable
from .csv_log import csv_lines, to_csv
from .helpers import SheetsClient, SheetsRateLimited
from .rows import log_rows

__all__ = ["SETS_HINTS", "SheetsClient", "crossfit_source"]

log = logging.getLogger(__name__)

SET_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": {"data_type": "text", "nullable": False},
    "session_date": {"data_type": "date", "nullable": False},
    "set_key": {"data_type": "text", "nullable": False},
    "row_number": {"data_type": "bigint", "nullable": False},
    "exercise": {"data_type": "text", "nullable": False},  # as typed; dbt normalises it
    "sets": {"data_type": "bigint", "nullable": False},
    "reps": {"data_type": "bigint", "nullable": False},
    "weight": {"data_type": "double", "nullable": True},  # as typed, in `unit`; null = bodyweight
    "unit": {"data_type": "text", "nullable": False},
    "weight_kg": {"data_type": "double", "nullable": True},
    "notes": {"data_type": "text", "nullable": True},
    # Optional columns of the log (session-RPE inputs); null on lines and files without them.
    "rpe": {"data_type": "double", "nullable": True},
    "duration_min": {"data_type": "double", "nullable": True},
    "data_source": {"data_type": "text", "nullable": False},
    "source_file": {"data_type": "text", "nullable": True},
}


@dlt.source(name="crossfit", max_table_nesting=0)
def crossfit_source(
    files: Sequence[SourceFile] = (),
    sheets: Sequence[SheetsClient] = (),
) -> Any:
    """Logged sets from CSV downloads and/or the live sheet into `crossfit_sets`."""
    return sets(files, sheets)


# All hints travel with the rows (a table variant), none sit on the resource: resource-level
# hints would also shape the quarantine table that the same resource routes bad rows to.
SETS_HINTS = dlt.mark.make_hints(
    table_name="crossfit_sets",
    write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    primary_key=("athlete_id", "session_date", "set_key"),
    # Every (athlete, day) present in a load replaces that day's rows: edits and deletions of
    # lines within a day leave nothing stale. Days absent from the load are kept as they are.
    merge_key=("athlete_id", "session_date"),
    columns=SET_COLUMNS,
)


@dlt.resource(name="sets")
def sets(files: Sequence[SourceFile] = (), sheets: Sequence[SheetsClient] = ()) -> Iterator[Any]:
    """One row per logged line; bad lines (no date, negative reps, RPE 11) to quarantine."""
    for source_file in files:
        yield from isolated_file_items("crossfit", source_file, _file_rows)
    for sheet in sheets:
        try:
            lines = sheet.rows()
        except SheetsRateLimited as exc:
            log.warning("CrossFit sheet of %s: %s; loading it next run", sheet.athlete_id, exc)
            continue
        try:
            yield from _rows(lines, sheet.athlete_id, "sheets", None)
        except ValueError as exc:  # the sheet's header lacks a required column
            log.error("CrossFit sheet of %s rejected: %s", sheet.athlete_id, exc)
            yield quarantine_row(
                "crossfit",
                raw_record="",
                reason=f"sheet rejected: {exc}",
                athlete_id=sheet.athlete_id,
                source_file="google-sheets",
                source_line=0,
            )


def _file_rows(source_file: SourceFile) -> Iterator[Any]:
    name = printable(source_file.display_name)
    yield from _rows(csv_lines(source_file.path), source_file.athlete_id, "csv", name)


def _rows(
    lines: Iterable[tuple[int, list[Any]]], athlete_id: str, origin: str, file_name: str | None
) -> Iterator[Any]:
    good = bad = 0
    batch: list[dict[str, Any]] = []
    label = file_name or f"CrossFit sheet of {athlete_id}"
    for number, cells, result in log_rows(lines, athlete_id=athlete_id):
        if isinstance(result, Exception):
            bad += 1
            yield quarantine_row(
                "crossfit",
                raw_record=to_csv(cells),
                reason=str(result),
                athlete_id=athlete_id,
                source_file=file_name or "google-sheets",
                source_line=number,
            )
            continue
        good += 1
        batch.append(result)
    # As pyarrow tables (csv + COPY), not dicts dlt normalises one by one: common/arrow_rows.py
    yield from row_items(batch, SETS_HINTS, {"data_source": origin, "source_file": file_name})
    log.info("%s: %d sets loaded, %d quarantined", label, good, bad)
