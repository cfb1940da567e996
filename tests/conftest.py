"""Shared fixtures: a real embedded PostgreSQL per session, a fresh database per test."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
import warnings
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


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers the marker itself; `pytest -p no:xdist` does not load it, and
    # --strict-markers would then reject the groups added below.
    config.addinivalue_line("markers", "xdist_group(name): tests run on one xdist worker")
    if getattr(config.option, "dist", "no") == "loadgroup":
        # Hand the groups out in the order collection leaves them (longest first, below), not
        # xdist's (most tests first).
        config.option.loadscopereorder = False


# The order xdist hands out the long groups in (seconds each took in `make test` on the 2-core
# CI machine); the other groups, each under 10 s, follow, most tests first. Long groups first,
# so the two workers end together. The three Evidence builds take turns on one lock
# (fitelt/site/build.py): while the sample site builds on one worker, the other runs long
# groups that build no site, then the empty-warehouse build and, three groups later, the S3
# pipeline's start, so that no worker sits waiting for the lock.
GROUP_ORDER = (
    "site-sample",  # 308: the sample pipeline and site, then the browser tests
    "tests/reliability/test_concurrent_runs.py",  # 115, mostly waiting for `fitelt serve`
    "dbt-marts-sample",  # 76: the sample warehouse, built once
    "tests/dbt/test_pipeline_e2e.py",  # 37
    "tests/reliability/test_reliability_kill.py",  # 51
    "tests/dbt/test_training_science.py",  # 48
    "tests/site/test_report_site.py",  # 124, the empty-warehouse site build
    "tests/sources/test_activity_files_pool.py",  # 45
    "tests/reliability/test_reliability_dbt.py",  # 41
    "tests/dbt/test_activity_marts.py",  # 39
    "tests/storage/test_two_workers_s3.py",  # 152, the whole pipeline and site on S3
    "tests/live/test_live_foot_sensors.py",  # 30
    "tests/dbt/test_wellness_sample.py",  # 29
    "tests/cli/test_serve_shutdown.py",  # 22
    "tests/sources/test_crossfit_sheets.py",  # 21
    "tests/dbt/test_activity_files_e2e.py",  # 21
    "tests/warehouse/test_security_athletes.py",  # 20
    "tests/dbt/test_strength_body_sample.py",  # 19
    "tests/reliability/test_reliability_api.py",  # 18
    "tests/warehouse/test_security_privacy.py",  # 17
    "tests/sources/test_apple_health_fast.py",  # 16
    "tests/live/test_live_bikes.py",  # 14
    "tests/live/test_live_report_api.py",  # 13
    "tests/sources/test_activity_files_load.py",  # 13
    "tests/sources/test_oura_load.py",  # 13
    "tests/sources/test_activity_files_archives.py",  # 11
    "tests/storage/test_storage_on_s3.py",  # 10
)


XDIST_GROUP = pytest.StashKey[str]()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """`make test` runs the suite on pytest-xdist workers (--dist loadgroup). Each module is one
    group, so its module-scoped fixtures (a sample warehouse, a dbt build) are built once. The
    dbt tests that share the session's sample warehouse (fixture `marts_sample`,
    tests/dbt/conftest.py) are one group, so it too is built once. The report-site tests that
    use the sample site (fixture `site`, whatever their module) are one group together, as they
    share one sample build per worker process (tests/site/browser/site.py). The other site
    tests, the empty-warehouse build among them, stay in their module's group: that build then
    runs on the other worker or later, not right after the sample's (GROUP_ORDER). A plain
    `pytest` run (no -n) ignores the groups."""
    site_tests = Path(__file__).parent / "site"
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "marts_sample" in fixtures:
            group = "dbt-marts-sample"
        elif item.path.is_relative_to(site_tests) and "site" in fixtures:
            group = "site-sample"
        else:
            group = item.path.relative_to(PROJECT_ROOT).as_posix()
        item.add_marker(pytest.mark.xdist_group(group))
        item.stash[XDIST_GROUP] = group
    _longest_groups_first(items)
    result = yield  # xdist's worker turns the markers into an "@group" suffix of the test ids
    if getattr(config.option, "loadgroup", False):
        for item in items:
            if XDIST_GROUP in item.stash:
                _keep_group_in_nodeid(item, item.stash[XDIST_GROUP])
    return result


def _longest_groups_first(items: list[pytest.Item]) -> None:
    """Sort the items group by group: GROUP_ORDER's groups in its order, then the others, most
    tests first; each group's items keep their order. xdist (--no-loadscope-reorder, set in
    pytest_configure) hands the groups out in this order, each to the next worker that runs
    low."""
    rank = {group: index for index, group in enumerate(GROUP_ORDER)}
    position: dict[str, int] = {}
    size: dict[str, int] = {}
    for item in items:
        group = item.stash[XDIST_GROUP]
        position.setdefault(group, len(position))
        size[group] = size.get(group, 0) + 1

    def key(item: pytest.Item) -> tuple[int, int, int]:
        group = item.stash[XDIST_GROUP]
        return rank.get(group, len(rank)), -size[group], position[group]

    items.sort(key=key)


def _keep_group_in_nodeid(item: pytest.Item, group: str) -> None:
    """The scheduler reads the group from the test id. pytest-xdist 3.8 writes it into
    `item._nodeid`, which pytest 9.2 no longer reads (ids are a structured `item._id`), so the
    groups were silently ignored: a module's tests, the site's among them, were spread over
    both workers, each building the module fixtures and the sample site again
    (pytest-dev/pytest-xdist#1386). Put the suffix where pytest reads it; warn if it cannot."""
    suffix = f"@{group}"
    if item.nodeid.endswith(suffix):
        return  # xdist did it
    node_id = getattr(item, "_id", None)
    parse = getattr(type(node_id), "parse", None)
    if parse is not None:
        item._id = parse(item.nodeid + suffix)
    if not item.nodeid.endswith(suffix):
        warnings.warn(f"xdist group {group!r} not in the test id: groups are ignored", stacklevel=1)
