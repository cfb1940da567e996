"""Shared fixtures: a real embedded PostgreSQL per session, a fresh database per test."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.embedded import start_embedded, stop_embedded

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_WEIGHT_CSV = PROJECT_ROOT / "sample_data" / "withings" / "weight.csv"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ConnInfo]:
    """A throwaway embedded PostgreSQL server for the whole test session."""
    # /tmp rather than pytest's tmp_path: the server runs as another OS user when we are root,
    # and needs every parent folder to be traversable.
    root = Path(tempfile.mkdtemp(prefix="fitelt-pg-"))
    root.chmod(0o755)
    data_dir = root / "postgres"
    server = start_embedded(data_dir).as_user("postgres", "x")
    try:
        yield server
    finally:
        stop_embedded(data_dir)
        shutil.rmtree(root, ignore_errors=True)


def create_database(server: ConnInfo, name: str) -> ConnInfo:
    conn = psycopg2.connect(server.with_db("postgres").dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    conn.close()
    return server.with_db(name)


def drop_database(server: ConnInfo, name: str) -> None:
    conn = psycopg2.connect(server.with_db("postgres").dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    conn.close()


@pytest.fixture
def fresh_db(pg_server: ConnInfo) -> Iterator[ConnInfo]:
    """An empty database with the warehouse layout (schemas, reader role)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    ensure_layout(db, reader_password=None)
    try:
        yield db
    finally:
        drop_database(pg_server, name)


@pytest.fixture
def fitelt_env(
    fresh_db: ConnInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ConnInfo]:
    """Environment of one installation: data folder in tmp_path, warehouse = fresh_db."""
    monkeypatch.setenv("FITELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", fresh_db.url())
    monkeypatch.setenv("FITELT_DEFAULT_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("FITELT_SECRET_KEY", "test-secret-key-not-for-production")
    for name in list(os.environ):
        if name.startswith(("WITHINGS_", "STRAVA_", "GOOGLE_", "OURA_")):
            monkeypatch.delenv(name)
    # Set in-process by commands an earlier test ran (`prepare_dagster_home`): not this one's.
    for name in ("DAGSTER_HOME", "FITELT_DAGSTER_PG_URL"):
        monkeypatch.delenv(name, raising=False)
    yield fresh_db


def query(conn: ConnInfo, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs the suite on pytest-xdist workers (--dist loadgroup). Each module is one
    group, so its module-scoped fixtures (a sample warehouse, a dbt build) are built once. The
    dbt tests that share the session's sample warehouse (fixture `marts_sample`,
    tests/dbt/conftest.py) are one group, so it too is built once. The report-site modules are
    one group together: they share one sample build per worker process
    (tests/site/browser/site.py) and take turns on the Evidence project anyway. A plain
    `pytest` run (no -n) ignores the groups."""
    site_tests = Path(__file__).parent / "site"
    for item in items:
        if "marts_sample" in getattr(item, "fixturenames", ()):
            group = "dbt-marts-sample"
        else:
            group = "site" if item.path.is_relative_to(site_tests) else str(item.path)
        item.add_marker(pytest.mark.xdist_group(group))
    # The site group is the longest (several site builds): first, so it never runs last alone.
    items.sort(key=lambda item: not item.path.is_relative_to(site_tests))
