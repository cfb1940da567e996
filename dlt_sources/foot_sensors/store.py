"""Foot-sensor tables in PostgreSQL: DDL, micro-batch writes with COPY, retention pruning.

A stream of ~100 readings a second is written with COPY (a CSV buffer into a temporary table,
then one INSERT … ON CONFLICT) rather than row by row; a batch is one transaction, so readings,
their anomalies, the persons and the quarantine commit together.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg2
from psycopg2.extras import execute_values

from .rows import Poll
from .settings import SOURCE

log = logging.getLogger(__name__)

DDL = """
create table if not exists raw.foot_sensor_readings (
    person_id integer not null,
    trace_id bigint,
    sensor_id smallint not null,
    value smallint not null,
    anomaly boolean not null,
    polled_at timestamptz not null,
    primary key (person_id, sensor_id, polled_at)
);
create index if not exists foot_sensor_readings_polled_at
    on raw.foot_sensor_readings (polled_at);
create table if not exists raw.foot_sensor_anomalies (like raw.foot_sensor_readings);
create unique index if not exists foot_sensor_anomalies_key
    on raw.foot_sensor_anomalies (person_id, sensor_id, polled_at);
create table if not exists raw.foot_sensor_persons (
    person_id integer primary key,
    firstname text not null,
    lastname text not null,
    birth_year integer,
    disabled boolean not null,
    trace_id bigint,
    trace_name text,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null
);
create table if not exists raw.foot_sensor_quarantine (
    record_hash text primary key,
    athlete_id text,
    source_file text,
    source_line bigint,
    raw_record text not null,
    reason text not null,
    quarantined_at timestamptz not null
);
"""

_BATCH_TABLE = """
create temporary table if not exists foot_sensor_batch
    (like raw.foot_sensor_readings) on commit delete rows
"""
_INSERT_READINGS = """
insert into raw.foot_sensor_readings select * from foot_sensor_batch on conflict do nothing
"""
_INSERT_ANOMALIES = """
insert into raw.foot_sensor_anomalies
select * from foot_sensor_batch where anomaly on conflict do nothing
"""
_UPSERT_PERSONS = """
insert into raw.foot_sensor_persons as p (person_id, firstname, lastname, birth_year, disabled,
    trace_id, trace_name, first_seen_at, last_seen_at)
values %s
on conflict (person_id) do update set
    firstname = excluded.firstname,
    lastname = excluded.lastname,
    birth_year = excluded.birth_year,
    disabled = excluded.disabled,
    trace_id = excluded.trace_id,
    trace_name = excluded.trace_name,
    last_seen_at = greatest(p.last_seen_at, excluded.last_seen_at)
"""
_INSERT_QUARANTINE = """
insert into raw.foot_sensor_quarantine
    (record_hash, athlete_id, source_file, source_line, raw_record, reason, quarantined_at)
values %s on conflict do nothing
"""


@dataclass
class Quarantined:
    """A payload that failed validation (stored like `quarantine_row` rows of dlt sources)."""

    where: str
    raw_record: Any
    reason: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def row(self) -> tuple[Any, ...]:
        raw = self.raw_record if isinstance(self.raw_record, str) else json.dumps(self.raw_record)
        digest = hashlib.sha256(
            "\x1f".join([SOURCE, self.where, self.at.isoformat(), raw]).encode()
        ).hexdigest()
        return (digest, None, self.where, None, raw[:10_000], self.reason, self.at)


@dataclass
class BatchCounts:
    readings: int = 0
    anomalies: int = 0
    persons: int = 0
    quarantined: int = 0

    def add(self, other: BatchCounts) -> None:
        self.readings += other.readings
        self.anomalies += other.anomalies
        self.persons += other.persons
        self.quarantined += other.quarantined


def ensure_tables(dsn: str) -> None:
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        cur.execute(DDL)
    db.close()


class FootSensorStore:
    """One connection writing micro-batches; use as a context manager."""

    def __init__(self, dsn: str) -> None:
        ensure_tables(dsn)
        self._db = psycopg2.connect(dsn)
        with self._db, self._db.cursor() as cur:
            cur.execute(_BATCH_TABLE)

    def write(self, polls: Sequence[Poll], bad: Sequence[Quarantined] = ()) -> BatchCounts:
        """Store one micro-batch in one transaction; duplicates (same key) are ignored."""
        counts = BatchCounts()
        if not polls and not bad:
            return counts
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for poll in polls:
            for person_id, trace_id, sensor_id, value, anomaly, at in poll.readings:
                writer.writerow(
                    (person_id, "" if trace_id is None else trace_id, sensor_id, value,
                     "t" if anomaly else "f", at.isoformat())
                )  # fmt: skip
        buffer.seek(0)
        persons = {}
        for poll in polls:  # the newest answer per person wins
            persons[poll.person["person_id"]] = poll.person
        with self._db, self._db.cursor() as cur:
            cur.copy_expert("copy foot_sensor_batch from stdin with (format csv)", buffer)
            cur.execute(_INSERT_READINGS)
            counts.readings = cur.rowcount
            cur.execute(_INSERT_ANOMALIES)
            counts.anomalies = cur.rowcount
            if persons:
                execute_values(cur, _UPSERT_PERSONS, [_person_row(p) for p in persons.values()])
                counts.persons = len(persons)
            if bad:
                execute_values(cur, _INSERT_QUARANTINE, [b.row() for b in bad])
                counts.quarantined = len(bad)
        return counts

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> FootSensorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _person_row(person: dict[str, Any]) -> tuple[Any, ...]:
    return (
        person["person_id"],
        person["firstname"],
        person["lastname"],
        person["birth_year"],
        person["disabled"],
        person["trace_id"],
        person["trace_name"],
        person["seen_at"],
        person["seen_at"],
    )


def prune_readings(dsn: str, older_than_hours: float) -> int:
    """Delete raw readings older than the retention; anomalies are never pruned."""
    ensure_tables(dsn)
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        cur.execute(
            "delete from raw.foot_sensor_readings "
            "where polled_at < now() - make_interval(secs => %s)",
            (older_than_hours * 3600.0,),
        )
        deleted = cur.rowcount
    db.close()
    log.info("pruned %d foot-sensor readings older than %g h", deleted, older_than_hours)
    return deleted
