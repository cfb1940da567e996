"""Freshness: from a reading / telemetry line served by the bundled simulators to it being
queryable in PostgreSQL (a SQL poller every 50 ms) and visible on the site's live JSON API
(`/v1/live/sensors`, `/v1/live/rides` of the report server, polled over HTTP every 100 ms).

Foot sensors: the product's polling asset in-process with its default cadence (a micro-batch
every FITELT_SENSOR_BATCH_S); "served" is the reading's `polled_at`, stamped just before the
request. Bikes: one reading window of the bikes asset in-process; "served" is the
second's `recorded_at` (the log line's own time; the simulator appends lines within 0.1 s).
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import numpy as np
import psycopg2

from dlt_sources.foot_sensors import ensure_tables as ensure_foot_tables
from dlt_sources.simulators.bikes import BikeSimulator
from dlt_sources.simulators.foot_sensors import FootSensorSimulator
from fitelt.warehouse import ConnInfo
from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import make_server
from orchestration.resources.live_streams import BikeLogApiResource, FootSensorApiResource

from .incremental import installation
from .server import new_database

log = logging.getLogger(__name__)

SQL_POLL_S, API_POLL_S = 0.05, 0.1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BIKES = "key:bikes/riders or key:bikes/rides or key:bikes/ride_seconds"


class Watcher:
    """Calls `fetch()` every `interval` s; the first time a key shows up, records its delay."""

    def __init__(self, fetch: Callable[[], list[tuple[object, datetime]]], interval: float):
        self.fetch, self.interval = fetch, interval
        self.delays: dict[object, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            seen = time.time()
            try:
                found = self.fetch()
            except (OSError, psycopg2.Error) as exc:
                log.warning("watcher: %s", exc)
                continue
            for key, served in found:
                if key not in self.delays:
                    self.delays[key] = seen - served.timestamp()

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return list(self.delays.values())


def _sql_fetch(dsn: str, query: str) -> Callable[[], list[tuple[object, datetime]]]:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    newest: list[datetime] = []

    def fetch() -> list[tuple[object, datetime]]:
        with conn.cursor() as cur:
            try:
                cur.execute(query, (newest[-1] if newest else EPOCH,))
            except psycopg2.errors.UndefinedTable:
                return []
            rows = cur.fetchall()
        if rows:
            newest.append(max(row[-1] for row in rows))
        return [(row, row[-1]) for row in rows]

    return fetch


def _api_fetch(
    url: str, field: str, key: str, stamp: str
) -> Callable[[], list[tuple[object, datetime]]]:
    def fetch() -> list[tuple[object, datetime]]:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            items = json.loads(response.read())[field]
        return [
            ((item[key], item[stamp]), datetime.fromisoformat(item[stamp]))
            for item in items
            if item.get(stamp)
        ]

    return fetch


def _stats(name: str, path: str, delays: list[float]) -> dict:
    values = np.array(delays) if delays else np.array([np.nan])
    row = {
        "stream": name,
        "path": path,
        "samples": len(delays),
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "max": float(values.max()),
    }
    log.info("%-12s %-28s n=%5d p50 %.2f s p95 %.2f s", name, path, len(delays),
             row["p50"], row["p95"])  # fmt: skip
    return row


def run_freshness(server: ConnInfo, seconds: float = 30.0) -> list[dict]:
    from orchestration.lib.materialize import materialize

    db = new_database(server)
    root = Path(tempfile.mkdtemp(prefix="fitelt-bench-fresh-"))
    site = make_server(
        root / "site", "127.0.0.1", 0, None,
        api_handler=make_api_handler(db.dsn(), "Europe/Paris", root / "data"),
    )  # fmt: skip
    threading.Thread(target=site.serve_forever, daemon=True).start()
    api = f"http://127.0.0.1:{site.server_address[1]}/v1/live/"
    rows = []
    with installation(db, root / "data"):
        instance = dg.DagsterInstance.ephemeral()
        with FootSensorSimulator().serve() as sensors:
            ensure_foot_tables(db.dsn())
            watchers = {
                "SQL": Watcher(_sql_fetch(db.dsn(), (
                    "select distinct person_id, polled_at from raw.foot_sensor_readings "
                    "where polled_at > %s")), SQL_POLL_S),
                "/v1/live/sensors": Watcher(_api_fetch(
                    api + "sensors?within=30", "persons", "person_id", "polled_at"), API_POLL_S),
            }  # fmt: skip
            api_resource = FootSensorApiResource(base_url=sensors.url, window_s=seconds)
            resources = {"foot_sensor_api": api_resource}
            materialize("key:foot_sensor/*", instance=instance, resources=resources)
            time.sleep(1.0)
            rows += [_stats("foot sensors", k, w.stop()) for k, w in watchers.items()]
        bikes = BikeSimulator()  # rides start within 3 s
        with bikes.serve() as log_api:
            # First a single read (creates the tables), then one reading window as the
            # `bikes_stream` sensor runs it: the log read every second (FITELT_BIKES_INTERVAL_S).
            once = {"bike_api": BikeLogApiResource(base_url=log_api.url, window_s=0, idle_s=0)}
            materialize(BIKES, instance=instance, resources=once)
            watchers = {
                "SQL": Watcher(_sql_fetch(db.dsn(), (
                    "select ride_id, duration_s, recorded_at from raw.bikes_ride_seconds "
                    "where recorded_at > %s")), SQL_POLL_S),
                "/v1/live/rides": Watcher(_api_fetch(
                    api + "rides?within=60", "rides", "ride_id", "last_second_at"), API_POLL_S),
            }  # fmt: skip
            window = BikeLogApiResource(base_url=log_api.url, window_s=seconds, idle_s=seconds)
            materialize(BIKES, instance=instance, resources={"bike_api": window})
            time.sleep(1.0)
            rows += [_stats("bikes", k, w.stop()) for k, w in watchers.items()]
        bikes.stop()
    site.shutdown()
    return rows
