"""The Strava API client against a local server that speaks the real protocol (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dlt_sources.common.token_store import NeedsReconnect, TokenStore
from dlt_sources.strava import RateBudget, StravaClient
from dlt_sources.strava.budget import RateLimited
from dlt_sources.strava.helpers import StravaApiError
from dlt_sources.strava.rows import api_row, iana_timezone
from tests.fakes import FakeStrava, Fault, make_strava_activity

CLIENT_SECRET = "strava-client-secret"
START = datetime(2025, 3, 1, 6, 30, tzinfo=UTC)


def strava_activities(n: int, first_id: int = 1000) -> list[dict]:
    return [
        make_strava_activity(first_id + i, START + timedelta(hours=20 * i), distance=5000.0 + i)
        for i in range(n)
    ]


def strava_client(
    fake: FakeStrava, store: TokenStore, sleeps: list[float], budget: RateBudget | None = None
) -> StravaClient:
    return StravaClient(
        base_url=fake.url,
        client_id=fake.client_id,
        client_secret=CLIENT_SECRET,
        athlete_id="demo",
        store=store,
        sleep=sleeps.append,
        budget=budget or RateBudget(),
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TokenStore:
    monkeypatch.setenv("FITELT_SECRET_KEY", "unit-test-key")
    token_store = TokenStore.open(tmp_path / "secrets")
    token_store.put("strava", "demo", {"refresh_token": "strava-refresh-0", "expires_at": 0})
    return token_store


def test_pagination_walks_pages_of_200_until_an_empty_page(store: TokenStore) -> None:
    with FakeStrava(strava_activities(450)) as fake:
        pages = list(strava_client(fake, store, []).activity_pages(after=0))
        calls = fake.requests_to("/api/v3/athlete/activities")
    assert [len(p) for p in pages] == [200, 200, 50]
    assert [c.query["page"] for c in calls] == ["1", "2", "3", "4"]  # page 4 is the empty one
    assert {c.query["per_page"] for c in calls} == {"200"}
    assert {c.query["after"] for c in calls} == {"0"}
    ids = [a["id"] for page in pages for a in page]
    assert len(set(ids)) == 450


def test_token_rotation_is_persisted_before_the_token_is_used(store: TokenStore) -> None:
    sleeps: list[float] = []
    with FakeStrava(strava_activities(3)) as fake:
        # Every activities call fails: the rotated grant must already be on disk regardless.
        fake.inject("/api/v3/athlete/activities", Fault(status=503), times=10)
        with pytest.raises(StravaApiError, match="HTTP 503"):
            list(strava_client(fake, store, sleeps).activity_pages(after=0))
        rotated = fake.current_refresh_token
    saved = store.get("strava", "demo")
    assert rotated != "strava-refresh-0"
    assert saved["refresh_token"] == rotated
    assert saved["access_token"] == fake.current_access_token
    assert sleeps == [1.0, 2.0, 4.0]  # bounded backoff, never a hot loop


def test_expired_access_token_is_refreshed_once_and_the_call_retried(store: TokenStore) -> None:
    with FakeStrava(strava_activities(2)) as fake:
        client = strava_client(fake, store, [])
        assert sum(len(p) for p in client.activity_pages(after=0)) == 2
        fake.expire_access_token()  # the stored token still looks valid to the client
        assert sum(len(p) for p in client.activity_pages(after=0)) == 2
        assert fake.refresh_count == 2
    assert store.get("strava", "demo")["refresh_token"] == fake.current_refresh_token


def test_429_with_a_short_retry_after_is_waited_out(store: TokenStore) -> None:
    sleeps: list[float] = []
    with FakeStrava(strava_activities(3)) as fake:
        fault = Fault(
            status=429, body={"message": "Rate Limit Exceeded"}, headers={"Retry-After": "2"}
        )
        fake.inject("/api/v3/athlete/activities", fault)
        pages = list(strava_client(fake, store, sleeps).activity_pages(after=0))
    assert sum(len(p) for p in pages) == 3
    assert sleeps == [2.0]


@pytest.mark.parametrize("headers", [{}, {"Retry-After": "900"}])
def test_429_without_a_short_retry_after_stops_cleanly(store: TokenStore, headers: dict) -> None:
    sleeps: list[float] = []
    with FakeStrava(strava_activities(3)) as fake:
        fake.inject("/api/v3/athlete/activities", Fault(status=429, headers=headers))
        with pytest.raises(RateLimited, match="429"):
            list(strava_client(fake, store, sleeps).activity_pages(after=0))
    assert sleeps == []  # never blocks a run for a quarter of an hour


def test_stops_before_going_over_the_15_minute_read_budget(store: TokenStore) -> None:
    with FakeStrava(strava_activities(450), read_rate_limit=(100, 1000)) as fake:
        fake.set_usage(98, 500)
        pages = []
        with pytest.raises(RateLimited, match="15-minute budget"):
            for page in strava_client(fake, store, []).activity_pages(after=0):
                pages.append(page)
        calls = fake.requests_to("/api/v3/")
    assert len(calls) == 2  # usage 99 and 100 were allowed; a third would have been refused
    assert len(pages) == 2
    assert fake.usage[0] == 100


def test_5xx_dropped_connections_and_cut_bodies_are_retried(store: TokenStore) -> None:
    sleeps: list[float] = []
    with FakeStrava(strava_activities(3)) as fake:
        fake.inject("/api/v3/athlete/activities", Fault(status=502), times=1)
        fake.inject("/api/v3/athlete/activities", Fault(disconnect=True), times=1)
        fake.inject("/api/v3/athlete/activities", Fault.truncated_json({"message": "cut"}))
        pages = list(strava_client(fake, store, sleeps).activity_pages(after=0))
    assert sum(len(p) for p in pages) == 3
    assert sleeps == [1.0, 2.0, 4.0]


def test_revoked_grant_marks_needs_reconnect(store: TokenStore) -> None:
    with FakeStrava(strava_activities(1)) as fake:
        fake.revoke()
        with pytest.raises(NeedsReconnect):
            list(strava_client(fake, store, []).activity_pages(after=0))
    assert "reconnect" in store.get("strava", "demo")["needs_reconnect"]


def test_wrong_client_secret_is_a_configuration_error_not_a_reconnect(store: TokenStore) -> None:
    with FakeStrava(strava_activities(1), client_secret="another-secret") as fake:
        with pytest.raises(StravaApiError, match="STRAVA_CLIENT_SECRET"):
            list(strava_client(fake, store, []).activity_pages(after=0))
    assert "needs_reconnect" not in store.get("strava", "demo")


def test_api_row_keeps_the_documented_columns() -> None:
    start = datetime(2025, 7, 1, 5, 0, tzinfo=UTC)
    activity = make_strava_activity(77, start, sport_type="TrailRun", distance=12_345.6)
    row = api_row(activity, "demo")
    assert row["activity_id"] == 77 and row["athlete_id"] == "demo"
    assert row["sport_type"] == "TrailRun" and row["type"] == "Run"
    assert row["start_date"] == start
    assert row["start_date_local"] == datetime(2025, 7, 1, 7, 0)  # Paris summer time, naive
    assert row["timezone"] == "Europe/Paris"
    assert row["distance_m"] == 12_345.6 and row["moving_time_s"] == 3000
    no_hr = make_strava_activity(78, start, average_heartrate=None)
    assert api_row(no_hr, "demo")["average_heartrate"] is None


def test_timezone_label_parsing() -> None:
    assert iana_timezone("(GMT+01:00) Europe/Paris") == "Europe/Paris"
    assert iana_timezone("(GMT-08:00) America/Los_Angeles") == "America/Los_Angeles"
    assert iana_timezone("(GMT+00:00) Not/AZone") is None
    assert iana_timezone(None) is None
