"""Oura ring (API v2): sleep periods and daily readiness, per athlete with a stored grant.

Each resource keeps one cursor per athlete in its state (`day`: the newest day loaded). A
sync reads from OVERLAP_DAYS before that day to today, because Oura revises its last days;
the merge replaces what it re-reads. Without any client the source loads nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import dlt

from ..common.errors import NeedsReconnect, RateLimited
from ..common.quarantine import RowError, quarantine_row
from .helpers import OuraClient, OuraForbidden
from .rows import READINESS_COLUMNS, SLEEP_COLUMNS, readiness_row, sleep_row
from .settings import (
    DAILY_READINESS_PATH,
    DATE_PADDING_DAYS,
    HISTORY_START,
    OVERLAP_DAYS,
    SLEEP_PATH,
    SOURCE,
)

__all__ = ["READINESS_HINTS", "SLEEP_HINTS", "OuraClient", "oura_source", "sync_window"]

log = logging.getLogger(__name__)

SLEEP_HINTS = dlt.mark.make_hints(
    table_name="oura_sleep",
    write_disposition="merge",
    # A period is its document; the merge key also clears a re-read day's periods that Oura
    # re-segmented under new ids (a nap merged into the night), so nothing is counted twice.
    primary_key=("athlete_id", "sleep_id"),
    merge_key=("athlete_id", "day"),
    columns=SLEEP_COLUMNS,
)
READINESS_HINTS = dlt.mark.make_hints(
    table_name="oura_daily_readiness",
    write_disposition="merge",
    primary_key=("athlete_id", "day"),  # one readiness per day: a revised day replaces it
    columns=READINESS_COLUMNS,
)


@dlt.source(name=SOURCE, max_table_nesting=0)
def oura_source(clients: Sequence[OuraClient] = ()) -> Any:
    """Sleep periods into `oura_sleep`, daily readiness into `oura_daily_readiness`."""
    return sleep(clients), daily_readiness(clients)


@dlt.resource(name="sleep")
def sleep(clients: Sequence[OuraClient] = ()) -> Iterator[Any]:
    """One row per athlete and sleep period (nights and naps); bad documents to quarantine."""
    cursors = dlt.current.resource_state().setdefault("day", {})
    for client in clients:
        yield from _collection_rows(client, cursors, SLEEP_PATH, sleep_row, SLEEP_HINTS)


@dlt.resource(name="daily_readiness")
def daily_readiness(clients: Sequence[OuraClient] = ()) -> Iterator[Any]:
    """One row per athlete and day: readiness score, temperature deviation, contributors."""
    cursors = dlt.current.resource_state().setdefault("day", {})
    for client in clients:
        yield from _collection_rows(
            client, cursors, DAILY_READINESS_PATH, readiness_row, READINESS_HINTS
        )


def sync_window(cursor: str | None, today: date) -> tuple[date, date]:
    """The days a sync asks for: the overlap before the cursor (or all history) to today,
    widened by DATE_PADDING_DAYS on both sides for Oura's exclusive date bounds."""
    first = date.fromisoformat(cursor) - timedelta(days=OVERLAP_DAYS) if cursor else HISTORY_START
    padding = timedelta(days=DATE_PADDING_DAYS)
    return first - padding, today + padding


def _collection_rows(
    client: OuraClient,
    cursors: dict[str, str],
    path: str,
    to_row: Callable[[Any, str], dict[str, Any]],
    hints: Any,
) -> Iterator[Any]:
    athlete = client.athlete_id
    since = cursors.get(athlete)
    start, end = sync_window(since, client.today())
    rows: list[dict[str, Any]] = []
    newest = since
    log.info("Oura %s %s: reading %s to %s (cursor %s)", athlete, path, start, end, since)
    try:
        for page in client.documents(path, start, end):
            for document in page:
                try:
                    row = to_row(document, athlete)
                except RowError as error:
                    yield quarantine_row(
                        SOURCE, raw_record=document, reason=str(error), athlete_id=athlete
                    )
                    continue
                rows.append(row)
                day = row["day"].isoformat()
                newest = day if newest is None else max(newest, day)
    except (RateLimited, OuraForbidden) as exc:
        # Nothing of an unfinished pagination loads: a day split over two pages must never
        # replace the whole day half-way. The cursor stays put; the next run resumes.
        log.warning("Oura %s %s: %s; nothing loaded, cursor kept at %s", athlete, path, exc, since)
        return
    except NeedsReconnect as exc:
        log.error("Oura %s needs reconnect: %s", athlete, exc)
        return
    if rows:
        # All hints travel with the rows (a table variant): resource-level hints would also
        # shape the quarantine table the same resource routes bad documents to.
        yield dlt.mark.with_hints(rows, hints, create_table_variant=True)
    cursors[athlete] = newest  # only after the whole pagination completed
    log.info("Oura %s %s: %d documents; cursor now %s", athlete, path, len(rows), newest)
