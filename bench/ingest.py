"""Ingestion throughput: the project's foot-sensor load path against the PostgreSQL COPY limit.

All methods load the same N readings into a table with the same primary key, one after the
other in one run, so their ratios hold on a noisy machine.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import psycopg2
from psycopg2.extras import execute_values
from sqlalchemy import create_engine

from dlt_sources.foot_sensors.helpers import Poll
from dlt_sources.foot_sensors.store import FootSensorStore
from fitelt.warehouse import ConnInfo

from .server import new_database

log = logging.getLogger(__name__)

TABLE_DDL = """
create table raw.bench_readings (
    person_id integer not null, trace_id bigint, sensor_id smallint not null,
    value smallint not null, anomaly boolean not null, polled_at timestamptz not null,
    primary key (person_id, sensor_id, polled_at)
)
"""
COLUMNS = ["person_id", "trace_id", "sensor_id", "value", "anomaly", "polled_at"]
INSERT_SQL = (
    "insert into raw.bench_readings "
    "(person_id, trace_id, sensor_id, value, anomaly, polled_at) values %s"
)
BATCH = 50_000


def make_readings(n_rows: int, seed: int = 1) -> pd.DataFrame:
    """N readings of 6 persons × 6 sensors, polled every 0.3 s, values 0–1023."""
    rng = np.random.default_rng(seed)
    index = np.arange(n_rows)
    poll = index // 36
    start = pd.Timestamp("2026-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "person_id": (index // 6) % 6 + 1,
            "trace_id": 1000 + (index // 6) % 6,
            "sensor_id": index % 6,
            "value": rng.integers(0, 1024, n_rows),
            "anomaly": rng.random(n_rows) < 0.01,
            "polled_at": start + pd.to_timedelta(poll * 300, unit="ms"),
        }
    )


def _fresh_table(db: ConnInfo) -> None:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute("drop table if exists raw.bench_readings")
        cur.execute(TABLE_DDL)


def _copy(db: ConnInfo, buffer: io.StringIO) -> None:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.copy_expert(f"copy raw.bench_readings ({','.join(COLUMNS)}) from stdin csv", buffer)


def copy_from_buffer(db: ConnInfo, frame: pd.DataFrame) -> Callable[[], None]:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)

    def run() -> None:
        buffer.seek(0)
        _copy(db, buffer)

    return run


def copy_from_dataframe(db: ConnInfo, frame: pd.DataFrame) -> Callable[[], None]:
    def run() -> None:
        for start in range(0, len(frame), BATCH):
            buffer = io.StringIO()
            frame.iloc[start : start + BATCH].to_csv(buffer, index=False, header=False)
            buffer.seek(0)
            _copy(db, buffer)

    return run


def with_execute_values(db: ConnInfo, frame: pd.DataFrame) -> Callable[[], None]:
    rows = list(frame.itertuples(index=False, name=None))

    def run() -> None:
        with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
            execute_values(
                cur,
                INSERT_SQL,
                rows,
                page_size=10_000,
            )

    return run


def with_to_sql(db: ConnInfo, frame: pd.DataFrame) -> Callable[[], None]:
    engine = create_engine(db.sqlalchemy_url())

    def run() -> None:
        frame.to_sql(
            "bench_readings",
            engine,
            schema="raw",
            if_exists="append",
            index=False,
            chunksize=10_000,
        )

    return run


def project_path(db: ConnInfo, frame: pd.DataFrame) -> Callable[[], None]:
    """FootSensorStore.write, fed the polls the poller holds in memory (6 readings each)."""
    persons: dict[int, dict] = {
        pid: {
            "person_id": pid,
            "firstname": f"P{pid}",
            "lastname": "Bench",
            "birth_year": 1980,
            "disabled": False,
            "trace_id": 1000 + pid,
            "trace_name": "bench",
            "seen_at": pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime(),
        }
        for pid in range(1, 7)
    }
    stamps = frame["polled_at"].dt.to_pydatetime()
    records = list(zip(*(frame[c].tolist() for c in COLUMNS[:5]), stamps, strict=True))
    polls = [
        Poll(person=persons[records[i][0]], readings=records[i : i + 6])
        for i in range(0, len(records), 6)
    ]
    per_batch = BATCH // 6

    def run() -> None:
        with FootSensorStore(db.dsn()) as store:
            for start in range(0, len(polls), per_batch):
                store.write(polls[start : start + per_batch])

    return run


METHODS: dict[str, Callable[[ConnInfo, pd.DataFrame], Callable[[], None]]] = {
    "COPY from a ready buffer (limit)": copy_from_buffer,
    "COPY end-to-end from a DataFrame": copy_from_dataframe,
    "project path (FootSensorStore.write)": project_path,
    "psycopg2 execute_values": with_execute_values,
    "pandas.to_sql": with_to_sql,
}


def run_ingest(server: ConnInfo, n_rows: int) -> list[dict]:
    """Rows/s of every method on the same data; project path into raw.foot_sensor_readings."""
    frame = make_readings(n_rows)
    results = []
    for name, prepare in METHODS.items():
        db = new_database(server)
        _fresh_table(db)
        run = prepare(db, frame)
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
        table = "foot_sensor_readings" if name.startswith("project") else "bench_readings"
        with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
            cur.execute(f"select count(*) from raw.{table}")  # noqa: S608 (fixed names)
            loaded = cur.fetchone()[0]
        if loaded != n_rows:
            raise RuntimeError(f"{name}: loaded {loaded} of {n_rows} rows")
        results.append({"method": name, "rows": n_rows, "seconds": seconds})
        log.info("%-40s %8.2f s  %10.0f rows/s", name, seconds, n_rows / seconds)
    limit = results[0]["seconds"]
    end_to_end = results[1]["seconds"]
    for row in results:
        row["rows_per_s"] = row["rows"] / row["seconds"]
        row["vs_copy_buffer"] = limit / row["seconds"]
        row["vs_copy_end_to_end"] = end_to_end / row["seconds"]
    return results
