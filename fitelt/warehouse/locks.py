"""One writer per dlt pipeline, wherever the run comes from: a PostgreSQL advisory lock.

CLI runs, daemon runs, sensor-launched runs and runs on other machines that share the warehouse
all take `pipeline_lock(name)` before they touch the pipeline. The lock belongs to a dedicated
connection, so the server releases it the moment its holder exits or is killed: no lock file,
nothing to clean up. A second run waits (bounded by FITELT_LOCK_TIMEOUT_S) and then fails with a
plain message instead of tripping over the first run's load packages.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from fitelt.warehouse.conninfo import ConnInfo

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x66656C74  # 'felt': the first key of the two-key advisory lock space
DEFAULT_TIMEOUT_S = 600.0
POLL_S = 0.25


class PipelineBusy(RuntimeError):
    """Another run holds the pipeline's lock for longer than the timeout."""


def lock_timeout_s() -> float:
    return float(os.environ.get("FITELT_LOCK_TIMEOUT_S", DEFAULT_TIMEOUT_S))


def lock_key(pipeline: str) -> int:
    """The advisory lock's second key: a stable signed 32-bit hash of the pipeline name."""
    value = zlib.crc32(pipeline.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


@contextmanager
def pipeline_lock(
    admin: ConnInfo, pipeline: str, *, timeout_s: float | None = None
) -> Iterator[None]:
    """Hold the pipeline's lock for the block; wait for another holder up to `timeout_s`."""
    timeout = lock_timeout_s() if timeout_s is None else timeout_s
    conn = psycopg2.connect(
        admin.dsn(),
        application_name=f"fitelt: {pipeline} writer"[:63],
        keepalives=1,
        keepalives_idle=30,
        keepalives_interval=10,
        keepalives_count=3,
    )
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            deadline = time.monotonic() + timeout
            waited = False
            while True:
                cur.execute(
                    "select pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, lock_key(pipeline))
                )
                if cur.fetchone()[0]:
                    break
                if time.monotonic() >= deadline:
                    raise PipelineBusy(f"another run of {pipeline} is loading; try again")
                if not waited:
                    log.info(
                        "another run of %s is loading: waiting for it (up to %.0f s)",
                        pipeline,
                        timeout,
                    )
                    waited = True
                time.sleep(POLL_S)
        if waited:
            log.info("%s: the other run finished, loading now", pipeline)
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


LAYOUT_LOCK = "warehouse layout"


def wait_for_layout_lock(cur) -> None:
    """Serialise catalog changes (roles, grants, schemas) across processes on `cur`'s session.

    Two processes that GRANT or ALTER DEFAULT PRIVILEGES at the same moment fail with "tuple
    concurrently updated"; holding this lock while changing the layout makes them take turns.
    Held until the session ends, or the transaction when `cur` is in one (xact variant).
    """
    key = (LOCK_NAMESPACE, lock_key(LAYOUT_LOCK))
    if cur.connection.autocommit:
        cur.execute("select pg_advisory_lock(%s, %s)", key)
    else:
        cur.execute("select pg_advisory_xact_lock(%s, %s)", key)


def is_locked(admin: ConnInfo, pipeline: str) -> bool:
    """True while some session holds the pipeline's lock (for tests and `fitelt` status)."""
    with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
        cur.execute(
            # Advisory locks belong to one database: another database on the same server (a
            # second installation, a parallel test) may hold the same key.
            "select count(*) from pg_locks where locktype = 'advisory' and classid = %s::oid "
            "and objid = %s::oid and granted "
            "and database = (select oid from pg_database where datname = current_database())",
            (LOCK_NAMESPACE, lock_key(pipeline) & 0xFFFFFFFF),
        )
        return cur.fetchone()[0] > 0
