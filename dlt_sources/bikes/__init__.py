"""Bike telemetry: log lines read by offset from the bikes endpoint into riders/rides/seconds.

The offset, the stream id and the rides still open live in the resource's dlt state, which is
committed with the rows, so a failed load re-reads the same lines and nothing is lost or
counted twice. Rows reach their tables as table variants (`bikes_riders`, `bikes_rides`,
`bikes_ride_seconds`, `bikes_quarantine`): no hints sit on the resource itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import dlt

from ..common.quarantine import quarantine_row
from .assembler import RideAssembler
from .helpers import BikeLogClient, BikeLogError
from .settings import MAX_LINES_PER_RUN, PAGE_LINES, SOURCE

__all__ = ["BIKES_HINTS", "BikeLogClient", "BikeLogError", "bikes_source"]

log = logging.getLogger(__name__)

_TS = {"data_type": "timestamp", "timezone": True}
RIDER_COLUMNS: dict[str, dict[str, Any]] = {
    "user_id": {"data_type": "bigint", "nullable": False},
    "name": {"data_type": "text"},
    "gender": {"data_type": "text"},
    "date_of_birth": {"data_type": "date", "nullable": False},
    "email": {"data_type": "text"},
    "address": {"data_type": "text"},
    "bike_serial": {"data_type": "text"},
    "height_cm": {"data_type": "double"},
    "weight_kg": {"data_type": "double"},
    "last_seen_at": {**_TS, "nullable": False},
}
RIDE_COLUMNS: dict[str, dict[str, Any]] = {
    "ride_id": {"data_type": "bigint", "nullable": False},
    "bike_id": {"data_type": "text", "nullable": False},
    "user_id": {"data_type": "bigint", "nullable": False},
    "started_at": {**_TS, "nullable": False},
    "last_second_at": _TS,
    "duration_s": {"data_type": "double", "nullable": False},
    "seconds_recorded": {"data_type": "bigint", "nullable": False},
    "heart_rate_seconds": {"data_type": "bigint", "nullable": False},
    "avg_heart_rate": {"data_type": "double"},
    "max_heart_rate": {"data_type": "double"},
    "avg_power": {"data_type": "double"},
    "max_power": {"data_type": "double"},
    "avg_rpm": {"data_type": "double"},
    "avg_resistance": {"data_type": "double"},
    "energy_kj": {"data_type": "double", "nullable": False},
}
SECOND_COLUMNS: dict[str, dict[str, Any]] = {
    "ride_id": {"data_type": "bigint", "nullable": False},
    "duration_s": {"data_type": "double", "nullable": False},
    "recorded_at": {**_TS, "nullable": False},
    "bike_id": {"data_type": "text", "nullable": False},
    "user_id": {"data_type": "bigint", "nullable": False},
    "resistance": {"data_type": "double", "nullable": False},
    "heart_rate": {"data_type": "double"},
    "rpm": {"data_type": "double", "nullable": False},
    "power": {"data_type": "double", "nullable": False},
    "log_offset": {"data_type": "bigint", "nullable": False},
}


def _hints(table: str, key: tuple[str, ...], columns: dict[str, dict[str, Any]]) -> Any:
    return dlt.mark.make_hints(
        table_name=f"{SOURCE}_{table}", write_disposition="merge", primary_key=key, columns=columns
    )


RIDERS_HINTS = _hints("riders", ("user_id",), RIDER_COLUMNS)
RIDES_HINTS = _hints("rides", ("ride_id",), RIDE_COLUMNS)
SECONDS_HINTS = _hints("ride_seconds", ("ride_id", "duration_s"), SECOND_COLUMNS)
BIKES_HINTS = (RIDERS_HINTS, RIDES_HINTS, SECONDS_HINTS)


@dlt.source(name=SOURCE, max_table_nesting=0)
def bikes_source(
    client: BikeLogClient | None = None, deleted_rides: frozenset[int] = frozenset()
) -> Any:
    """The log of `client` (nothing when None) into the bikes_* tables; rides deleted through
    the API (`deleted_rides`) are not written again when more of their lines arrive."""
    return telemetry(client, deleted_rides)


def _kept(rows: list[dict[str, Any]], deleted_rides: frozenset[int]) -> list[dict[str, Any]]:
    return [row for row in rows if row["ride_id"] not in deleted_rides] if deleted_rides else rows


@dlt.resource(name="telemetry")
def telemetry(
    client: BikeLogClient | None = None, deleted_rides: frozenset[int] = frozenset()
) -> Iterator[Any]:
    if client is None:
        return
    state = dlt.current.resource_state()
    status = client.status()
    stream_id = status.get("stream_id")
    changed = state.get("stream_id") not in (None, stream_id)
    if changed or int(state.get("offset", 0)) > int(status.get("end_offset", 0)):
        log.warning(
            "bike stream changed (%s → %s): reading the new stream from its start; "
            "rides open in the old one are dropped",
            state.get("stream_id"), stream_id,
        )  # fmt: skip
        state.clear()
    state["stream_id"] = stream_id
    offset = int(state.get("offset", 0))
    assembler = RideAssembler(state)
    source_file = f"logs:{state['stream_id']}"
    read = 0
    while read < MAX_LINES_PER_RUN:
        page = client.page(offset, PAGE_LINES)
        start = page["next_offset"] - len(page["lines"])
        if start > offset:
            log.warning("%d log lines expired before they were read", start - offset)
        for position, line in enumerate(page["lines"]):
            assembler.feed(start + position, str(line))
        read += len(page["lines"])
        offset = page["next_offset"]
        if seconds := _kept(assembler.take_seconds(), deleted_rides):
            yield dlt.mark.with_hints(seconds, SECONDS_HINTS, create_table_variant=True)
        for bad in assembler.take_rejected():
            yield quarantine_row(
                SOURCE,
                raw_record=bad.line,
                reason=bad.reason,
                athlete_id=None,
                source_file=source_file,
                source_line=bad.offset,
            )
        if not page["lines"] or offset >= int(page.get("end_offset", offset)):
            break
    riders, rides = assembler.finish()
    rides = _kept(rides, deleted_rides)
    for bad in assembler.take_rejected():
        yield quarantine_row(
            SOURCE, raw_record=bad.line, reason=bad.reason, athlete_id=None,
            source_file=source_file, source_line=bad.offset,
        )  # fmt: skip
    if riders:
        yield dlt.mark.with_hints(riders, RIDERS_HINTS, create_table_variant=True)
    if rides:
        yield dlt.mark.with_hints(rides, RIDES_HINTS, create_table_variant=True)
    state["offset"] = offset  # committed with the rows above, in the same load
    log.info(
        "bikes: %d lines read up to offset %d: %d riders, %d rides updated, %d open",
        read, offset, len(riders), len(rides), len(assembler.open_rides),
    )  # fmt: skip
