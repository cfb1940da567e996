"""Rides deleted through the read API, remembered so a ride still going on stays deleted.

``DELETE /v1/ride/{id}`` removes the ride's rows everywhere; its rider may still be pedalling,
and the next load would write the ride again from the new lines. The deletion is recorded in
``raw.bikes_deleted_rides`` in the same transaction, and the load drops those rides' rows.
"""

from __future__ import annotations

from typing import Any

import psycopg2

DDL = """
create table if not exists raw.bikes_deleted_rides (
    ride_id bigint primary key,
    deleted_at timestamptz not null default now()
)
"""


def record_deleted(cur: Any, ride_id: int) -> None:
    """Remember `ride_id` as deleted (in the caller's transaction)."""
    cur.execute(DDL)
    cur.execute(
        "insert into raw.bikes_deleted_rides (ride_id) values (%s) on conflict do nothing",
        (ride_id,),
    )


def deleted_ride_ids(dsn: str) -> frozenset[int]:
    """Every ride deleted so far (empty before the first deletion)."""
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        cur.execute("select to_regclass('raw.bikes_deleted_rides') is not null")
        if not cur.fetchone()[0]:
            found: frozenset[int] = frozenset()
        else:
            cur.execute("select ride_id from raw.bikes_deleted_rides")
            found = frozenset(row[0] for row in cur.fetchall())
    db.close()
    return found
