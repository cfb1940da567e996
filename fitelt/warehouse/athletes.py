"""The athlete registry (`raw.athletes`): who the data belongs to, time zone, HR settings."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import psycopg2

from fitelt.warehouse.conninfo import ConnInfo
from fitelt.warehouse.locks import wait_for_layout_lock

log = logging.getLogger(__name__)

# What raw.athletes' CHECK constraint accepts; every athlete id from a user is held to it.
ATHLETE_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
ATHLETE_ID_RULE = "1 to 64 letters (A-Z, a-z), digits, '_' or '-'"
_ATHLETE_ID = re.compile(ATHLETE_ID_PATTERN.replace("$", r"\Z"))

# Plausible heart rates (bpm) for the settings; the CHECK constraints hold every writer to them.
HR_RANGES = {"max_hr": (100, 230), "resting_hr": (25, 120), "threshold_hr": (80, 230)}

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

# The heart-rate settings (issue 17), added in place to tables made by older versions. A column
# added here gets its CHECK with it; `add column if not exists` adds nothing the second time.
HR_COLUMNS_DDL = "".join(
    f"alter table raw.athletes add column if not exists {name} smallint "
    f"check ({name} between {low} and {high});\n"
    for name, (low, high) in HR_RANGES.items()
)

# resting < threshold < max among those known. Named, so a second process adding it at the same
# moment fails with duplicate_object, which is caught: the constraint is there either way.
HR_ORDER_DDL = """
do $$ begin
    if not exists (
        select 1 from pg_constraint
        where conname = 'athletes_hr_order' and conrelid = 'raw.athletes'::regclass
    ) then
        alter table raw.athletes add constraint athletes_hr_order check (
            (resting_hr is null or threshold_hr is null or resting_hr < threshold_hr)
            and (threshold_hr is null or max_hr is null or threshold_hr < max_hr)
            and (resting_hr is null or max_hr is null or resting_hr < max_hr)
        );
    end if;
exception when duplicate_object then null;
end $$;
"""

ATHLETES_DDL = DDL + ";\n" + HR_COLUMNS_DDL + HR_ORDER_DDL
_HR_COLUMN_COUNT = """
select count(*) from pg_attribute
where attrelid = to_regclass('raw.athletes') and attname = any(%s) and not attisdropped
"""


def ensure_athletes_table(cur) -> None:
    """raw.athletes with every column of this version (idempotent, safe across processes).

    Already complete (the usual case: the bootstrap made it): one catalog query. Otherwise the
    DDL runs under the layout lock, so concurrent processes take turns instead of racing on
    `create table` / `add column`.
    """
    cur.execute(_HR_COLUMN_COUNT, (list(HR_RANGES),))
    if cur.fetchone()[0] == len(HR_RANGES):
        return
    wait_for_layout_lock(cur)
    cur.execute(ATHLETES_DDL)


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
    max_hr: int | None = None
    resting_hr: int | None = None
    threshold_hr: int | None = None


# The columns of `Athlete`, in its field order (a constant: no user input reaches it).
ATHLETE_COLUMNS = (
    "athlete_id, display_name, timezone, birth_year, sex, max_hr, resting_hr, threshold_hr"
)


def ensure_athlete(conn: ConnInfo, athlete_id: str, default_timezone: str) -> tuple[Athlete, bool]:
    """The athlete, registering it with defaults when unknown; True when newly created."""
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        ensure_athletes_table(cur)
        cur.execute(
            "insert into raw.athletes (athlete_id, display_name, timezone) values (%s, %s, %s) "
            "on conflict (athlete_id) do nothing returning athlete_id",
            (athlete_id, athlete_id, default_timezone),
        )
        created = cur.fetchone() is not None
        cur.execute(
            f"select {ATHLETE_COLUMNS} from raw.athletes where athlete_id = %s",  # noqa: S608
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
        ensure_athletes_table(cur)
        cur.execute(
            f"select {ATHLETE_COLUMNS} from raw.athletes order by athlete_id"  # noqa: S608
        )
        return [Athlete(*row) for row in cur.fetchall()]
