"""The dbt on-run-start hook that creates the exponential-average aggregate, run by several
sessions at the same instant on a new warehouse (as concurrent dbt runs do): each waits its turn
on the layout lock, none fails with "tuple concurrently updated" or a duplicate key, and the
aggregate computes the recurrence."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from tests.conftest import PROJECT_ROOT, create_database, drop_database, query

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


@pytest.fixture
def new_warehouse(pg_server: ConnInfo) -> Iterator[ConnInfo]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    try:
        ensure_layout(db, reader_password=None)
        yield db
    finally:
        drop_database(pg_server, name)


def hook_sql(db: ConnInfo, work: Path) -> str:
    """The on-run-start statement as dbt renders it."""
    env = {
        **os.environ,
        **db.libpq_env(prefix="FITELT_PG"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--quiet",
            "--inline",
            "{{ create_exponential_average() }}",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],  # fmt: skip
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "create aggregate" in done.stdout
    return done.stdout


def run_at_once(db: ConnInfo, statement: str, sessions: int) -> list[BaseException | None]:
    """`statement` in `sessions` connections released together by a barrier."""
    barrier = threading.Barrier(sessions)
    errors: list[BaseException | None] = [None] * sessions

    def worker(index: int) -> None:
        conn = psycopg2.connect(db.dsn())
        conn.autocommit = True  # as dbt runs its hooks: each statement its own transaction
        try:
            barrier.wait(timeout=30)
            with conn.cursor() as cur:
                cur.execute(statement)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors[index] = exc
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_hooks_create_the_aggregate_once(
    new_warehouse: ConnInfo, tmp_path: Path
) -> None:
    statement = hook_sql(new_warehouse, tmp_path)
    errors = run_at_once(new_warehouse, statement, sessions=8)
    assert errors == [None] * 8
    assert query(
        new_warehouse,
        "select count(*) from pg_proc where proname = 'exponential_average' "
        "and pronamespace = 'staging'::regnamespace",
    ) == [(1,)]
    (value,) = query(
        new_warehouse,
        "select staging.exponential_average(x, 0.5) over (order by i) "
        "from (values (1, 4.0::float8), (2, 0.0), (3, 8.0)) as t (i, x) order by i desc limit 1",
    )[0]
    # s1 = 0 + 0.5 (4 - 0) = 2; s2 = 2 + 0.5 (0 - 2) = 1; s3 = 1 + 0.5 (8 - 1) = 4.5
    assert value == pytest.approx(4.5)
