"""Oura through Dagster, dlt and dbt into PostgreSQL against the local Oura server: a no-op
without an account, per-athlete incremental loads, the staging contract, and erasure."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import dlt
import pytest

from dlt_sources.common.token_store import TokenStore
from dlt_sources.oura.settings import SLEEP_PATH
from fitelt.admin.erase_athlete import delete_athlete
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.athletes import ensure_athlete
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.vendor_apis import OuraApiResource
from tests.conftest import query
from tests.fakes.oura import FakeOura, demo_oura_documents, make_oura_readiness

FIRST = date(2025, 3, 1)
OURA = "group:oura"
STAGING = "key:staging/stg_oura__sleep or key:staging/stg_oura__daily_readiness"
CONTRACT = {
    "stg_oura__sleep": [
        ("athlete_id", "text"), ("sleep_id", "text"), ("day", "date"), ("sleep_type", "text"),
        ("bedtime_start", "timestamp with time zone"),
        ("bedtime_end", "timestamp with time zone"),
        ("total_sleep_s", "double precision"), ("deep_sleep_s", "double precision"),
        ("rem_sleep_s", "double precision"), ("light_sleep_s", "double precision"),
        ("awake_s", "double precision"), ("time_in_bed_s", "double precision"),
        ("efficiency", "double precision"), ("average_hrv_ms", "double precision"),
        ("lowest_heart_rate", "double precision"),
    ],
    "stg_oura__daily_readiness": [
        ("athlete_id", "text"), ("day", "date"), ("score", "double precision"),
        ("temperature_deviation_c", "double precision"),
    ],
}  # fmt: skip


def _contract_columns(db: ConnInfo, view: str) -> list[tuple[str, str]]:
    names = [name for name, _type in CONTRACT[view]]
    rows = query(
        db,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name = %s",
        (view,),
    )
    types = dict(rows)
    return [(name, types.get(name, "missing")) for name in names]


@pytest.mark.slow
def test_without_an_account_nothing_is_asked_and_the_contract_views_build_empty(
    fitelt_env: ConnInfo,
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    with FakeOura(demo_oura_documents(FIRST, 3)) as fake:
        assert succeeded(materialize(OURA, instance=instance))  # OURA_* unset: API mode off
        assert fake.requests == []
    assert query(fitelt_env, "select count(*) from raw.oura_sleep") == [(0,)]
    assert query(fitelt_env, "select count(*) from raw.oura_daily_readiness") == [(0,)]
    assert succeeded(materialize(STAGING, instance=instance))
    for view, columns in CONTRACT.items():
        assert _contract_columns(fitelt_env, view) == columns


@pytest.mark.slow
def test_two_athletes_load_incrementally_and_erasing_one_forgets_its_grant_and_cursors(
    fitelt_env: ConnInfo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "data"
    with FakeOura(demo_oura_documents(FIRST, 10), page_size=4) as fake:
        zoe_refresh = fake.add_user("zoe", demo_oura_documents(FIRST + timedelta(days=5), 3, 7))
        store = TokenStore.open(data_dir / "secrets")
        for athlete, token in (("demo", fake.current_refresh_token), ("zoe", zoe_refresh)):
            ensure_athlete(fitelt_env, athlete, "Europe/Paris")
            store.put("oura", athlete, {"refresh_token": token, "expires_at": 0})
        api = OuraApiResource(
            client_id=fake.client_id, client_secret=fake.client_secret, base_url=fake.url
        )
        instance = dg.DagsterInstance.ephemeral()
        resources = {"oura_api": api}
        assert succeeded(materialize(OURA, instance=instance, resources=resources))
        counts = query(
            fitelt_env,
            "select athlete_id, count(*) from raw.oura_sleep group by 1 order by 1",
        )
        assert counts == [("demo", 11), ("zoe", 3)]  # 10 nights + a nap on day 7; 3 nights

        # Oura revises demo's last readiness; the second run reads only the overlap.
        last = FIRST + timedelta(days=9)
        fake.put("daily_readiness", [make_oura_readiness(last, score=41)])
        fake.requests.clear()
        assert succeeded(materialize(OURA, instance=instance, resources=resources))
        calls = fake.requests_to(SLEEP_PATH)
        starts = sorted(c.query["start_date"] for c in calls if "next_token" not in c.query)
        secrets = (fake.current_access_token, fake.current_refresh_token, fake.client_secret)
    # demo: 3 days before its newest day (+1 padding); zoe likewise from its own cursor.
    assert starts == sorted([str(last - timedelta(days=4)), str(FIRST + timedelta(days=3))])
    assert query(
        fitelt_env,
        "select count(*), count(distinct (athlete_id, sleep_id)) from raw.oura_sleep",
    ) == [(14, 14)]  # fmt: skip
    assert query(
        fitelt_env,
        "select score from raw.oura_daily_readiness where athlete_id = 'demo' and day = %s",
        (last,),
    ) == [(41.0,)]  # fmt: skip
    assert store.get("oura", "demo")["refresh_token"] == secrets[1]
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("tests.")]
    for secret in secrets:
        assert secret not in "\n".join(ours)

    report = delete_athlete(Settings.from_env(), fitelt_env, "zoe")
    assert "oura" in report.credentials and "oura" in report.cursors
    assert "remove the app in the Oura account" in report.revoked["oura"]
    assert store.get("oura", "zoe") is None and store.get("oura", "demo") is not None
    assert query(fitelt_env, "select distinct athlete_id from raw.oura_sleep") == [("demo",)]
    pipeline = dlt.pipeline(
        pipeline_name="oura", pipelines_dir=str(tmp_path / "probe"),
        destination=dlt.destinations.postgres(credentials=fitelt_env.url()), dataset_name="raw",
    )  # fmt: skip
    pipeline.sync_destination()
    resources_state = pipeline.state["sources"]["oura"]["resources"]
    for resource in ("sleep", "daily_readiness"):
        assert set(resources_state[resource]["day"]) == {"demo"}
