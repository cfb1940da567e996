"""raw.athletes always exists after the bootstrap, with the heart-rate settings (dbt reads them).

A warehouse made by an older version (registry without max_hr/resting_hr/threshold_hr, rows in
it) gains the columns and their constraints in place, also when several processes bootstrap
it at the same moment. Real processes on a real server.
"""

from __future__ import annotations

import multiprocessing

import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.athletes import DDL, ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from tests.conftest import query

HR_COLUMNS = ["max_hr", "resting_hr", "threshold_hr"]
COLUMNS = """
select column_name, data_type, is_nullable from information_schema.columns
where table_schema = 'raw' and table_name = 'athletes' and column_name = any(%s)
order by column_name
"""


def test_a_fresh_warehouse_has_the_registry_with_the_settings(fresh_db: ConnInfo) -> None:
    assert query(fresh_db, COLUMNS, (HR_COLUMNS,)) == [
        (name, "smallint", "YES") for name in sorted(HR_COLUMNS)
    ]
    assert query(fresh_db, "select count(*) from raw.athletes") == [(0,)]


def _old_registry(db: ConnInfo) -> None:
    """raw.athletes as versions before the settings made it, with one athlete in it."""
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute("drop table raw.athletes")
        cur.execute(DDL)
        cur.execute("insert into raw.athletes (athlete_id, display_name, timezone, sex) "
                    "values ('old', 'Old Timer', 'Europe/Paris', 'other')")  # fmt: skip
    assert query(db, COLUMNS, (HR_COLUMNS,)) == []


def _bootstrap(url: str, start) -> str:
    start.wait()
    try:
        for _ in range(3):
            ensure_layout(ConnInfo.from_url(url), reader_password=None)
            ensure_athlete(ConnInfo.from_url(url), "old", "UTC")
    except Exception as exc:  # reported to the parent, which fails the test with it
        return f"{type(exc).__name__}: {exc}"
    return ""


def test_an_old_registry_is_upgraded_in_place_by_concurrent_bootstraps(
    fresh_db: ConnInfo,
) -> None:
    _old_registry(fresh_db)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Event()
        with context.Pool(4) as pool:
            pending = [pool.apply_async(_bootstrap, (fresh_db.url(), start)) for _ in range(4)]
            start.set()
            errors = [result.get(timeout=120) for result in pending]
    assert [error for error in errors if error] == []
    assert len(query(fresh_db, COLUMNS, (HR_COLUMNS,))) == 3
    assert query(fresh_db, "select athlete_id, sex, max_hr from raw.athletes") == [
        ("old", "other", None)  # kept, 'other' included
    ]
    constraints = query(
        fresh_db,
        "select count(*) from pg_constraint where conrelid = 'raw.athletes'::regclass "
        "and contype = 'c' and conname = 'athletes_hr_order'",
    )
    assert constraints == [(1,)]
    with pytest.raises(psycopg2.errors.CheckViolation):
        with psycopg2.connect(fresh_db.dsn()) as conn, conn.cursor() as cur:
            cur.execute("update raw.athletes set resting_hr = 70, max_hr = 65")


def test_ensure_athlete_upgrades_an_old_registry_on_its_own(fresh_db: ConnInfo) -> None:
    _old_registry(fresh_db)
    athlete, created = ensure_athlete(fresh_db, "new", "UTC")
    assert created and athlete.max_hr is None
    assert len(query(fresh_db, COLUMNS, (HR_COLUMNS,))) == 3
