"""Withings smart-scale measures: the account export `weight.csv` and the Measure API."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import dlt

from ..common.errors import NeedsReconnect, RateLimited
from ..common.export_rows import export_rows
from ..common.files import SourceFile
from ..common.isolation import isolated_file_items
from ..common.quarantine import RowError, quarantine_row
from .export import read_weight_csv
from .helpers import WithingsClient
from .rows import group_rows

log = logging.getLogger(__name__)

# Measure rows per item handed to dlt. One item per export line (~6 rows) made dlt's per-item
# work (table variant, hints) dominate the load: 2.8 s for the sample's 1,016 lines against
# 0.4 s for Strava's 580 (BENCHMARKS.md, before/after).
BATCH_ROWS = 1000

MEASURE_COLUMNS: dict[str, dict[str, Any]] = {
    "athlete_id": {"data_type": "text", "nullable": False},
    "measured_at": {"data_type": "timestamp", "nullable": False, "timezone": True},
    "measure_type": {"data_type": "bigint", "nullable": False},
    "measure_name": {"data_type": "text", "nullable": False},
    "value": {"data_type": "double", "nullable": False},
    "timezone": {"data_type": "text", "nullable": False},
    "grpid": {"data_type": "bigint", "nullable": True},
    "modified_at": {"data_type": "timestamp", "nullable": True, "timezone": True},
    "source_file": {"data_type": "text", "nullable": True},
}


@dlt.source(name="withings", max_table_nesting=0)
def withings_source(
    files: Sequence[SourceFile] = (),
    clients: Sequence[WithingsClient] = (),
) -> Any:
    """Measures from export files and/or API accounts into `withings_measures`."""
    return measures(files, clients)


@dlt.resource(name="measures")
def measures(
    files: Sequence[SourceFile] = (), clients: Sequence[WithingsClient] = ()
) -> Iterator[Any]:
    """One row per athlete, instant and measure type; malformed lines go to quarantine."""
    for source_file in files:
        yield from isolated_file_items("withings", source_file, _file_rows)
    cursors = dlt.current.resource_state().setdefault("lastupdate", {})
    for client in clients:
        yield from _api_rows(client, cursors)


MEASURES_HINTS = dlt.mark.make_hints(
    table_name="withings_measures",
    write_disposition="merge",
    primary_key=("athlete_id", "measured_at", "measure_type"),
    columns=MEASURE_COLUMNS,
)


def _measures_table(rows: list[dict[str, Any]]) -> Any:
    # All hints travel with the rows (a table variant), none sit on the resource: resource-level
    # hints would also shape the quarantine table that the same resource routes bad rows to.
    return dlt.mark.with_hints(rows, MEASURES_HINTS, create_table_variant=True)


def _file_rows(source_file: SourceFile) -> Iterator[Any]:
    parsed = read_weight_csv(
        source_file.path, athlete_id=source_file.athlete_id, timezone=source_file.timezone
    )
    yield from export_rows(
        "withings",
        source_file,
        parsed,
        hints=MEASURES_HINTS,
        noun="lines",
        batch_rows=BATCH_ROWS,
    )


def _api_rows(client: WithingsClient, cursors: dict[str, int]) -> Iterator[Any]:
    athlete = client.athlete_id
    since = int(cursors.get(athlete, 0))
    newest = since
    try:
        for group, timezone in client.measure_groups(lastupdate=since):
            modified = group.get("modified") if isinstance(group, dict) else None
            if isinstance(modified, int) and not isinstance(modified, bool):
                newest = max(newest, modified)
            try:
                rows = group_rows(group, athlete, timezone)
            except RowError as error:
                yield quarantine_row(
                    "withings", raw_record=group, reason=str(error), athlete_id=athlete
                )
                continue
            if rows:
                yield _measures_table(rows)
    except RateLimited as exc:
        # Stop cleanly: what was fetched loads, the cursor stays put, the next run resumes.
        log.warning("Withings %s: %s; cursor kept at %d", athlete, exc, since)
        return
    except NeedsReconnect as exc:
        log.error("Withings %s needs reconnect: %s", athlete, exc)
        return
    cursors[athlete] = newest  # only after the whole pagination completed
