"""Access control and erasure on one built warehouse (two athletes, three sources, dbt marts):
the reader role, per-athlete row-level security (`fitelt grant-athlete`) and
`fitelt delete-athlete` (every table scanned afterwards). Tests run in file order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import psycopg2
import pytest

from dlt_sources.common.token_store import TokenStore
from fitelt.cli.main import main
from fitelt.inbox.store import Inbox
from fitelt.warehouse import READER_ROLE, ConnInfo
from fitelt.warehouse.athletes import ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.row_security import athlete_role_name, drop_athlete_role
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.vendor_apis import StravaApiResource
from tests.conftest import SAMPLE_WEIGHT_CSV, create_database, drop_database, query
from tests.fakes import FakeStrava, make_strava_activity
from tests.reliability.helpers import load

ZED = "zed-del-7"  # distinctive: the erasure scan looks for this text everywhere
SAMPLE_LOG = SAMPLE_WEIGHT_CSV.parent.parent / "crossfit" / "crossfit_log.csv"
MODELS = " or ".join(
    f"key:{key}"
    for key in (
        "staging/exercise_aliases", "staging/stg_crossfit__sets", "staging/stg_strava__activities",
        "staging/stg_withings__measures", "marts/weight_daily", "marts/body_weekly",
        "marts/body_overview",
    )
)  # fmt: skip
DENIED = psycopg2.errors.InsufficientPrivilege


@dataclass
class Site:
    db: ConnInfo
    data_dir: Path
    strava: FakeStrava


def _head(source: Path, target: Path, lines: int, extra: str = "") -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(source.read_text().splitlines()[:lines]) + "\n" + extra)
    return target


@pytest.fixture(scope="module")
def site(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = create_database(pg_server, f"s_{uuid.uuid4().hex[:12]}")
    ensure_layout(db, reader_password=None)
    root = tmp_path_factory.mktemp("athletes")
    data_dir = root / "data"
    start = datetime(2025, 3, 1, 7, tzinfo=UTC)
    activities = [make_strava_activity(500 + i, start + timedelta(days=i)) for i in range(5)]
    with pytest.MonkeyPatch.context() as env, FakeStrava(activities) as strava:
        for name, value in {
            "FITELT_DATA_DIR": str(data_dir), "DATABASE_URL": db.url(),
            "FITELT_SECRET_KEY": "athletes-test-key", "FITELT_DEFAULT_TIMEZONE": "Europe/Paris",
            "STRAVA_CLIENT_ID": strava.client_id, "STRAVA_CLIENT_SECRET": strava.client_secret,
            "STRAVA_API_BASE": strava.url,
        }.items():  # fmt: skip
            env.setenv(name, value)
        for athlete in ("demo", ZED):
            ensure_athlete(db, athlete, "Europe/Paris")
        TokenStore.open(data_dir / "secrets").put(
            "strava", ZED, {"refresh_token": strava.current_refresh_token, "expires_at": 0}
        )
        inbox = Inbox(data_dir / "inbox", data_dir / "archive")
        inbox.drop(_head(SAMPLE_WEIGHT_CSV, root / "demo" / "weight.csv", 200), "demo")
        inbox.drop(_head(SAMPLE_LOG, root / "demo" / "log.csv", 100), "demo")
        inbox.drop(_head(SAMPLE_WEIGHT_CSV, root / ZED / "weight.csv", 60, "bad,line\n"), ZED)
        inbox.drop(_head(SAMPLE_LOG, root / ZED / "log.csv", 30), ZED)
        # Granted before the first build: the marts' dbt post-hook must protect the new tables.
        assert main(["grant-athlete", ZED, "--password", "zed-password"]) == 0
        api = StravaApiResource(
            client_id=strava.client_id, client_secret=strava.client_secret, base_url=strava.url
        )
        sources = ("withings/measures", "strava/activities", "crossfit/sets")
        assert load(*sources, resources={"strava_api": api}).success
        assert succeeded(materialize(MODELS))
        yield Site(db, data_dir, strava)
    for athlete in ("demo", ZED):
        drop_athlete_role(db, athlete)
    drop_database(pg_server, db.dbname)


def _mentions(admin: ConnInfo) -> list[str]:
    """Tables (any schema) with a row whose text contains the athlete id."""
    tables = query(
        admin,
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', "
        "'information_schema')",
    )
    assert len(tables) > 10
    found = []
    for schema, table in tables:
        sql = f'select count(*) from "{schema}"."{table}" t where t::text like %s'
        if query(admin, sql, (f"%{ZED}%",))[0][0]:
            found.append(f"{schema}.{table}")
    return found


def _denied(conn: ConnInfo, statement: str) -> None:
    with pytest.raises(DENIED):
        query(conn, statement)


@pytest.mark.slow
def test_reader_sees_every_athlete_in_marts_and_nothing_else(site: Site) -> None:
    reader = site.db.as_user(READER_ROLE, "x")
    assert query(reader, "select count(distinct athlete_id) from marts.weight_daily")[0][0] == 2
    for statement in (
        "select count(*) from raw.withings_quarantine",
        "select count(*) from raw.strava_quarantine",
        "select count(*) from raw.athletes",
        "select count(*) from raw._dlt_pipeline_state",  # API cursors live here
        "select count(*) from staging.stg_withings__measures",
        "select count(*) from access.athlete_roles",
        "select rolpassword from pg_authid",  # password hashes
        "select access.protect_table('marts.weight_daily')",
        "delete from marts.weight_daily",
        "create table marts.sneaky (id int)",
    ):
        _denied(reader, statement)


@pytest.mark.slow
def test_an_athlete_role_sees_only_its_own_rows(site: Site) -> None:
    admin = site.db
    zed = admin.as_user(athlete_role_name(ZED), "zed-password")
    for mart in ("weight_daily", "body_weekly", "body_overview"):
        assert query(zed, f"select distinct athlete_id from marts.{mart}") == [(ZED,)], mart
    protected = query(
        admin,
        "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n "
        "on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid "
        "where n.nspname = 'marts' and c.relkind = 'r' and a.attname = 'athlete_id'",
    )
    assert protected and all(rls for _, rls in protected), protected
    query(admin, "create table marts.no_athlete_column as select 1 as x; select 1")
    for statement in (
        "select count(*) from marts.no_athlete_column",  # no athlete_id: never granted
        "select count(*) from raw.withings_measures",
        "select count(*) from raw.withings_quarantine",
        "select count(*) from staging.stg_withings__measures",
        "select count(*) from access.athlete_roles",
        "update marts.weight_daily set weight_kg = 0",
        "set role fitness_reader",
    ):
        _denied(zed, statement)
    # The grant made after the build applies to the tables already there.
    assert main(["grant-athlete", "demo", "--password", "demo-password"]) == 0
    demo = admin.as_user(athlete_role_name("demo"), "demo-password")
    assert query(demo, "select distinct athlete_id from marts.weight_daily") == [("demo",)]
    assert query(zed, "select access.athlete_of('athlete_demo')") == [(None,)]
    stored = query(admin, "select rolpassword from pg_authid where rolname = %s", ("athlete_demo",))
    assert stored[0][0].startswith("SCRAM-SHA-256$") and "demo-password" not in stored[0][0]
    assert main(["grant-athlete", "nobody", "--password", "x"]) == 2  # unknown athlete


@pytest.mark.slow
def test_delete_athlete_leaves_no_trace_in_any_table_file_or_credential(site: Site) -> None:
    admin = site.db
    before_demo = query(admin, "select count(*) from raw.withings_measures where athlete_id='demo'")
    assert len(_mentions(admin)) >= 6  # raw tables, quarantine, marts, access...
    assert main(["delete-athlete", ZED, "--yes"]) == 0
    assert _mentions(admin) == []  # every row of every table, as text
    assert query(
        admin, "select count(*) from pg_roles where rolname = %s", (f"athlete_{ZED}",)
    ) == [(0,)]
    leftovers = [p for p in site.data_dir.rglob("*") if ZED in str(p)]
    assert leftovers == []
    assert site.strava.requests_to("/oauth/deauthorize"), "the Strava grant was revoked"
    assert site.strava.current_refresh_token is None
    pipeline = dlt.pipeline(
        pipeline_name="strava", pipelines_dir=str(site.data_dir / "probe"),
        destination=dlt.destinations.postgres(credentials=admin.url()), dataset_name="raw",
    )  # fmt: skip
    pipeline.sync_destination()
    cursors = pipeline.state["sources"]["strava"]["resources"]["activities"]["after"]
    assert ZED not in cursors
    after_demo = query(admin, "select count(*) from raw.withings_measures where athlete_id='demo'")
    assert after_demo == before_demo and after_demo[0][0] > 0  # the other athlete untouched
