"""The athlete registry (`raw.athletes`): who the data belongs to and their time zone."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import psycopg2

from fitelt.warehouse import ConnInfo

log = logging.getLogger(__name__)

# What raw.athletes' CHECK constraint accepts; every athlete id from a user is held to it.
ATHLETE_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
ATHLETE_ID_RULE = "1 to 64 letters (A-Z, a-z), digits, '_' or '-'"
_ATHLETE_ID = re.compile(ATHLETE_ID_PATTERN.replace("$", r"\Z"))

DDL = f"""
create table if not exists raw.athletes (
    athlete_id text primary key check (athlete_id ~ '{ATHLETE_ID_PATTERN}'),
    display_name text not null,
    birth_year integer check (birth_year between 1900 and 2100),
    sex text check (sex in ('female', 'male', 'other')),
    timezone text not null,
    created_at timestamptz not null default now()
)
"""


def validate_athlete_id(value: str) -> str:
    """`value` when it is a valid athlete id; ValueError naming it and the rule otherwise."""
    if not isinstance(value, str) or not _ATHLETE_ID.match(value):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:76] + "...'"
        raise ValueError(f"invalid athlete id {shown}: use {ATHLETE_ID_RULE}")
    return value


@dataclass(frozen=True)
class Athlete:
    """One configured athlete."""

    athlete_id: str
    display_name: str
    timezone: str
    birth_year: int | None = None
    sex: str | None = None


def ensure_athlete(conn: ConnInfo, athlete_id: str, default_timezone: str) -> tuple[Athlete, bool]:
    """The athlete, registering it with defaults when unknown; True when newly created."""
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute(DDL)
        cur.execute(
            "insert into raw.athletes (athlete_id, display_name, timezone) values (%s, %s, %s) "
            "on conflict (athlete_id) do nothing returning athlete_id",
            (athlete_id, athlete_id, default_timezone),
        )
        created = cur.fetchone() is not None
        cur.execute(
            "select athlete_id, display_name, timezone, birth_year, sex "
            "from raw.athletes where athlete_id = %s",
            (athlete_id,),
        )
        athlete = Athlete(*cur.fetchone())
    if created:
        log.info(
            "athlete %s was not configured: registered with time zone %s (edit raw.athletes)",
            athlete_id,
            default_timezone,
        )
    return athlete, created


def list_athletes(conn: ConnInfo) -> list[Athlete]:
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute(DDL)
        cur.execute(
            "select athlete_id, display_name, timezone, birth_year, sex from raw.athletes "
            "order by athlete_id"
        )
        return [Athlete(*row) for row in cur.fetchall()]
