"""Strava activities: the bulk-export `activities.csv` and the athlete activities API."""

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
from .budget import RateBudget
from .export import read_activities_csv
from .helpers import StravaClient
from .rows import ACTIVITY_COLUMNS, api_row
from .settings import EDIT_LOOKBACK_S

__all__ = ["ACTIVITIES_HINTS", "RateBudget", "StravaClient", "strava_source"]

log = logging.getLogger(__name__)

BATCH_ROWS = 1000


@dlt.source(name="strava", max_table_nesting=0)
def strava_source(
    files: Sequence[SourceFile] = (),
    clients: Sequence[StravaClient] = (),
) -> Any:
    """Activities from export files and/or API accounts into `strava_activities`."""
    return activities(files, clients)


# All hints travel with the rows (a table variant), none sit on the resource: resource-level
# hints would also shape the quarantine table that the same resource routes bad rows to.
ACTIVITIES_HINTS = dlt.mark.make_hints(
    table_name="strava_activities",
    write_disposition="merge",
    # Merge on the activity: an edit (name, type, trimmed distance) updates the row in place,
    # and the same activity from the export and the API is one row.
    primary_key=("athlete_id", "activity_id"),
    columns=ACTIVITY_COLUMNS,
)


@dlt.resource(name="activities")
def activities(
    files: Sequence[SourceFile] = (), clients: Sequence[StravaClient] = ()
) -> Iterator[Any]:
    """One row per athlete and activity; malformed records go to `strava_quarantine`."""
    for source_file in files:
        yield from isolated_file_items("strava", source_file, _file_rows)
    cursors = dlt.current.resource_state().setdefault("after", {})
    for client in clients:
        yield from _api_rows(client, cursors)


def _activities_table(rows: list[dict[str, Any]]) -> Any:
    return dlt.mark.with_hints(rows, ACTIVITIES_HINTS, create_table_variant=True)


def _file_rows(source_file: SourceFile) -> Iterator[Any]:
    parsed = read_activities_csv(
        source_file.path, athlete_id=source_file.athlete_id, timezone=source_file.timezone
    )
    yield from export_rows(
        "strava",
        source_file,
        parsed,
        hints=ACTIVITIES_HINTS,
        noun="activities",
        batch_rows=BATCH_ROWS,
    )


def _api_rows(client: StravaClient, cursors: dict[str, int]) -> Iterator[Any]:
    athlete = client.athlete_id
    since = int(cursors.get(athlete, 0))
    after = max(0, since - EDIT_LOOKBACK_S) if since else 0
    newest, pages, rows = since, 0, 0
    log.info("Strava %s: reading activities started after %d (cursor %d)", athlete, after, since)
    try:
        for page in client.activity_pages(after=after):
            pages += 1
            batch = []
            for activity in page:
                try:
                    row = api_row(activity, athlete)
                except RowError as error:
                    yield quarantine_row(
                        "strava", raw_record=activity, reason=str(error), athlete_id=athlete
                    )
                    continue
                newest = max(newest, int(row["start_date"].timestamp()))
                batch.append(row)
            rows += len(batch)
            if batch:
                yield _activities_table(batch)
            log.info(
                "Strava %s: page %d done, %d activities so far (%s)",
                athlete, pages, rows, client.budget.describe(),
            )  # fmt: skip
    except RateLimited as exc:
        # Stop cleanly: what was fetched loads, the cursor stays put, the next run resumes.
        log.warning(
            "Strava %s: %s; %d activities this run, cursor kept at %d", athlete, exc, rows, since
        )
        return
    except NeedsReconnect as exc:
        log.error("Strava %s needs reconnect: %s", athlete, exc)
        return
    cursors[athlete] = newest  # only after the whole pagination completed
    log.info("Strava %s: %d activities in %d pages; cursor now %d", athlete, rows, pages, newest)
