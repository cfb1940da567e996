"""The Oura API v2 source against a local server speaking Oura's shapes, loaded by dlt into a
real PostgreSQL: paging, 429, token rotation, the incremental window and revised days."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import dlt
import pytest

from dlt_sources.common.token_store import NeedsReconnect, TokenStore
from dlt_sources.oura import oura_source, sync_window
from dlt_sources.oura.helpers import OuraApiError, OuraClient, RateLimited
from dlt_sources.oura.settings import DAILY_READINESS_PATH, SLEEP_PATH
from fitelt.warehouse import ConnInfo
from tests.conftest import query
from tests.fakes.base import Fault
from tests.fakes.oura import FakeOura, demo_oura_documents, make_oura_sleep, rate_limited

FIRST = date(2025, 3, 1)
DAYS = 20  # 20 nights + 2 naps (days 7 and 14), 20 readiness days
TODAY = FIRST + timedelta(days=DAYS - 1)  # the client's today: the last day of the series


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    token_store = TokenStore(tmp_path / "secrets", b"k" * 32)
    token_store.put("oura", "demo", {"refresh_token": "oura-refresh-0", "expires_at": 0})
    return token_store


def _client(fake: FakeOura, store: TokenStore, sleeps: list[float] | None = None) -> OuraClient:
    return OuraClient(
        base_url=fake.url,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        athlete_id="demo",
        store=store,
        sleep=(sleeps if sleeps is not None else []).append,
        today=lambda: TODAY,
    )


def _pipeline(db: ConnInfo, work: Path) -> dlt.Pipeline:
    destination = dlt.destinations.postgres(credentials=db.url())
    return dlt.pipeline(
        "oura", pipelines_dir=str(work), destination=destination, dataset_name="raw"
    )


def _documents(fake: FakeOura, client: OuraClient, path: str) -> list[dict]:
    start, end = sync_window(None, TODAY)
    return [d for page in client.documents(path, start, end) for d in page]


def test_paging_follows_next_token_until_it_is_null(store: TokenStore) -> None:
    with FakeOura(demo_oura_documents(FIRST, DAYS), page_size=6) as fake:
        sleep = _documents(fake, _client(fake, store), SLEEP_PATH)
        calls = fake.requests_to(SLEEP_PATH)
    assert len(sleep) == 22
    assert len(calls) == 4  # 6 + 6 + 6 + 4
    assert "next_token" not in calls[0].query
    assert all(c.query.get("next_token") for c in calls[1:])
    assert {c.query["start_date"] for c in calls} == {"2014-12-31"}  # all history, padded


def test_429_with_a_short_retry_after_is_waited_out_then_succeeds(store: TokenStore) -> None:
    sleeps: list[float] = []
    with FakeOura(demo_oura_documents(FIRST, DAYS)) as fake:
        fault = Fault(status=429, body=rate_limited(), headers={"Retry-After": "3"})
        fake.inject(DAILY_READINESS_PATH, fault, times=2)
        readiness = _documents(fake, _client(fake, store, sleeps), DAILY_READINESS_PATH)
    assert len(readiness) == DAYS
    assert sleeps == [3.0, 3.0]  # the injected wait, never a real one


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "300"}])
def test_429_without_a_short_retry_after_stops_cleanly(store: TokenStore, headers: dict) -> None:
    with FakeOura(demo_oura_documents(FIRST, DAYS)) as fake:
        fake.inject(SLEEP_PATH, Fault(status=429, body=rate_limited(), headers=headers))
        with pytest.raises(RateLimited):
            _documents(fake, _client(fake, store), SLEEP_PATH)


def test_over_the_rate_limit_the_fake_answers_429_and_the_client_stops(store: TokenStore) -> None:
    with FakeOura(demo_oura_documents(FIRST, DAYS), page_size=5, rate_limit=2) as fake:
        with pytest.raises(RateLimited, match="no Retry-After"):
            _documents(fake, _client(fake, store), SLEEP_PATH)
        assert len(fake.requests_to(SLEEP_PATH)) == 3  # two pages, then the 429


def test_rotated_refresh_token_is_persisted_and_a_401_refreshes_once(store: TokenStore) -> None:
    with FakeOura(demo_oura_documents(FIRST, 3)) as fake:
        client = _client(fake, store)
        _documents(fake, client, SLEEP_PATH)
        first_rotation = fake.current_refresh_token
        assert first_rotation != "oura-refresh-0"
        assert store.get("oura", "demo")["refresh_token"] == first_rotation
        # The stored access token dies early: one 401, one refresh, the call retried.
        fake.expire_access_token()
        assert len(_documents(fake, client, SLEEP_PATH)) == 3
        assert fake.refresh_count == 2
        assert store.get("oura", "demo")["refresh_token"] == fake.current_refresh_token
        statuses = [c.path for c in fake.requests if c.path == "/oauth/token"]
    assert len(statuses) == 2


def test_revoked_grant_marks_needs_reconnect(store: TokenStore) -> None:
    with FakeOura(demo_oura_documents(FIRST, 3)) as fake:
        fake.revoke()
        with pytest.raises(NeedsReconnect):
            _documents(fake, _client(fake, store), SLEEP_PATH)
    assert "fitelt connect oura" in store.get("oura", "demo")["needs_reconnect"]


def test_wrong_client_secret_is_a_configuration_error(store: TokenStore) -> None:
    with FakeOura() as fake:
        client = _client(fake, store)
        client.client_secret = "not-the-secret"
        with pytest.raises(OuraApiError, match="OURA_CLIENT_ID/OURA_CLIENT_SECRET"):
            _documents(fake, client, SLEEP_PATH)
    assert "needs_reconnect" not in store.get("oura", "demo")


def test_load_is_incremental_revised_days_replace_and_nothing_duplicates(
    fresh_db: ConnInfo, store: TokenStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOura(demo_oura_documents(FIRST, DAYS), page_size=7) as fake:
        pipeline = _pipeline(fresh_db, tmp_path / "work")
        info = pipeline.run(oura_source(clients=[_client(fake, store)]))
        assert not info.has_failed_jobs
        counts = dict(
            query(
                fresh_db,
                "select 'sleep', count(*) from raw.oura_sleep union all "
                "select 'readiness', count(*) from raw.oura_daily_readiness",
            )
        )
        assert counts == {"sleep": 22, "readiness": DAYS}
        state = pipeline.state["sources"]["oura"]["resources"]
        assert state["sleep"]["day"] == {"demo": TODAY.isoformat()}
        assert state["daily_readiness"]["day"] == {"demo": TODAY.isoformat()}

        # Oura revises the last night (new stages, new HRV) and re-segments the day before
        # under new ids; one new day arrives.
        last = TODAY
        revised = make_oura_sleep(last, deep_s=7_200, average_hrv=61.0)  # same id
        fake.put("sleep", [revised])
        before = TODAY - timedelta(days=1)
        fake.remove("sleep", f"sleep-{before}-long_sleep")
        fake.put("sleep", [make_oura_sleep(before, sleep_id="resegmented-a")])
        fake.put("sleep", [make_oura_sleep(before, sleep_id="resegmented-b", sleep_type="rest")])
        new_day = TODAY + timedelta(days=1)
        fake.put("sleep", [make_oura_sleep(new_day)])
        fake.requests.clear()
        client = _client(fake, store)
        client.today = lambda: new_day
        info = pipeline.run(oura_source(clients=[client]))
        assert not info.has_failed_jobs
        calls = fake.requests_to(SLEEP_PATH)
        secrets = (fake.current_access_token, fake.current_refresh_token, fake.client_secret)
    # Only the overlap: 3 days before the cursor (and a padding day Oura's filter excludes).
    assert [c.query["start_date"] for c in calls] == [str(TODAY - timedelta(days=4))]
    assert calls[0].query["end_date"] == str(new_day + timedelta(days=1))
    rows = query(
        fresh_db,
        "select day, sleep_id, deep_sleep_duration_s, average_hrv from raw.oura_sleep "
        "where day >= %s order by day, sleep_id",
        (before,),
    )
    assert [(r[0], r[1]) for r in rows] == [
        (before, "resegmented-a"), (before, "resegmented-b"),
        (last, f"sleep-{last}-long_sleep"), (new_day, f"sleep-{new_day}-long_sleep"),
    ]  # fmt: skip
    assert rows[2][2:] == (7_200.0, 61.0)  # the revision replaced the row
    total = query(
        fresh_db, "select count(*), count(distinct (athlete_id, sleep_id)) from raw.oura_sleep"
    )
    assert total == [(24, 24)]  # 22, one period re-segmented into two, one new night
    assert query(fresh_db, "select count(*) from raw.oura_daily_readiness") == [(DAYS,)]
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("tests."))
    for secret in secrets:
        assert secret not in logged


def test_bad_documents_are_quarantined_and_the_rest_loads(
    fresh_db: ConnInfo, store: TokenStore, tmp_path: Path
) -> None:
    documents = demo_oura_documents(FIRST, 3)
    documents["sleep"].append(make_oura_sleep(FIRST, sleep_id="bad-hrv", average_hrv="high"))
    documents["sleep"].append(
        make_oura_sleep(FIRST, sleep_id="backwards", bedtime_end="2025-02-28T20:00:00+01:00")
    )
    documents["daily_readiness"][0]["temperature_deviation"] = 42.0
    with FakeOura(documents) as fake:
        _pipeline(fresh_db, tmp_path / "work").run(oura_source(clients=[_client(fake, store)]))
    assert query(fresh_db, "select count(*) from raw.oura_sleep") == [(3,)]
    assert query(fresh_db, "select count(*) from raw.oura_daily_readiness") == [(2,)]
    reasons = sorted(r[0] for r in query(fresh_db, "select reason from raw.oura_quarantine"))
    assert reasons[0].startswith("average_hrv: not a number")
    assert reasons[1].startswith("bedtime_end:") and "before bedtime_start" in reasons[1]
    assert reasons[2].startswith("temperature_deviation: 42 outside")
