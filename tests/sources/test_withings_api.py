"""The Withings Measure API path against a local server that speaks the real protocol."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from dlt_sources.common.token_store import NeedsReconnect, TokenStore
from dlt_sources.withings.helpers import RateLimited, WithingsApiError, WithingsClient
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.vendor_apis import WithingsApiResource
from tests.conftest import query
from tests.fakes import FakeWithings, Fault, make_withings_groups, withings_error

CLIENT_SECRET = "withings-client-secret"
BASE = int(datetime(2025, 3, 1, 6, 30, tzinfo=UTC).timestamp())


def _groups(n: int, first_grpid: int = 5_000_000_000) -> list[dict]:
    rows = [(BASE + i * 86_400, {1: 80.0 + i / 10, 6: 20.5, 8: 16.4}) for i in range(n)]
    return make_withings_groups(rows, first_grpid=first_grpid)


def _client(fake: FakeWithings, store: TokenStore, sleeps: list[float]) -> WithingsClient:
    return WithingsClient(
        base_url=fake.url,
        client_id=fake.client_id,
        client_secret=CLIENT_SECRET,
        athlete_id="demo",
        store=store,
        sleep=sleeps.append,
    )


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TokenStore:
    monkeypatch.setenv("FITELT_SECRET_KEY", "unit-test-key")
    token_store = TokenStore.open(tmp_path / "secrets")
    token_store.put("withings", "demo", {"refresh_token": "withings-refresh-0", "expires_at": 0})
    return token_store


def test_pagination_walks_every_page_and_values_are_scaled(store: TokenStore) -> None:
    with FakeWithings(_groups(10), page_size=3, client_secret=CLIENT_SECRET) as fake:
        groups = [g for g, _tz in _client(fake, store, []).measure_groups(lastupdate=0)]
        measure_calls = fake.requests_to("/measure")
    assert len(groups) == 10
    assert len(measure_calls) == 4  # 3 + 3 + 3 + 1, following more/offset
    assert [c.params.get("offset") for c in measure_calls][1:] == ["3", "6", "9"]


def test_refresh_token_rotation_is_persisted_before_use(store: TokenStore) -> None:
    with FakeWithings(_groups(2), client_secret=CLIENT_SECRET, strict_rotation=True) as fake:
        client = _client(fake, store, [])
        list(client.measure_groups(lastupdate=0))
        rotated = fake.current_refresh_token
        assert rotated != "withings-refresh-0"
        assert store.get("withings", "demo")["refresh_token"] == rotated
        # The access token expires: the client refreshes again with the rotated token.
        fake.expire_access_token()
        list(client.measure_groups(lastupdate=0))
        assert fake.refresh_count == 2
        assert store.get("withings", "demo")["refresh_token"] == fake.current_refresh_token


def test_status_error_in_a_200_body_is_raised_with_the_status(store: TokenStore) -> None:
    with FakeWithings(_groups(2), client_secret=CLIENT_SECRET) as fake:
        fake.inject("/measure", withings_error(2555, "An unknown error occurred"))
        with pytest.raises(WithingsApiError, match="status 2555"):
            list(_client(fake, store, []).measure_groups(lastupdate=0))


def test_429_with_retry_after_is_waited_out(store: TokenStore) -> None:
    sleeps: list[float] = []
    with FakeWithings(_groups(3), client_secret=CLIENT_SECRET) as fake:
        fake.inject("/measure", Fault(status=429, headers={"Retry-After": "2"}))
        groups = list(_client(fake, store, sleeps).measure_groups(lastupdate=0))
    assert len(groups) == 3
    assert sleeps == [2.0]


def test_429_with_a_long_retry_after_stops_instead_of_blocking(store: TokenStore) -> None:
    with FakeWithings(_groups(3), client_secret=CLIENT_SECRET) as fake:
        fake.inject("/measure", Fault(status=429, headers={"Retry-After": "3600"}))
        with pytest.raises(RateLimited):
            list(_client(fake, store, []).measure_groups(lastupdate=0))


def test_revoked_grant_marks_needs_reconnect(store: TokenStore) -> None:
    with FakeWithings(_groups(1), client_secret=CLIENT_SECRET) as fake:
        fake.revoke_grant()
        with pytest.raises(NeedsReconnect):
            list(_client(fake, store, []).measure_groups(lastupdate=0))
    assert "reconnect" in store.get("withings", "demo")["needs_reconnect"]


@pytest.mark.slow
def test_api_load_is_incremental_and_idempotent(
    fitelt_env, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Dagster materialises the API path twice; the second run asks only for newer groups."""
    caplog.set_level(logging.DEBUG)
    with FakeWithings(_groups(7), page_size=3, client_secret=CLIENT_SECRET) as fake:
        TokenStore.open(tmp_path / "data" / "secrets").put(
            "withings", "demo", {"refresh_token": fake.current_refresh_token, "expires_at": 0}
        )
        api = WithingsApiResource(
            client_id=fake.client_id, client_secret=CLIENT_SECRET, base_url=fake.url
        )
        instance = dg.DagsterInstance.ephemeral()
        from fitelt.warehouse.athletes import ensure_athlete

        ensure_athlete(fitelt_env, "demo", "Europe/Paris")
        first = materialize("withings/measures", instance=instance, resources={"withings_api": api})
        assert succeeded(first)
        assert query(fitelt_env, "select count(*) from raw.withings_measures")[0][0] == 21
        fake.add_groups(_groups(2, first_grpid=6_000_000_000))
        second = materialize(
            "withings/measures", instance=instance, resources={"withings_api": api}
        )
        assert succeeded(second)
        lastupdates = [int(r.params["lastupdate"]) for r in fake.requests_to("/measure")]
        tokens = (fake.current_access_token, fake.current_refresh_token)
    # Same instants for the two new groups: merged, not duplicated (7 + 0 new instants).
    rows = query(
        fitelt_env,
        "select count(*), count(distinct (athlete_id, measured_at, measure_type)) "
        "from raw.withings_measures",
    )[0]
    assert rows[0] == rows[1] == 21
    assert lastupdates[0] == 0 and lastupdates[-1] > 0
    for secret in (*tokens, CLIENT_SECRET):
        assert secret not in caplog.text


@pytest.mark.slow
def test_a_refresh_token_in_the_environment_seeds_the_grant_once(
    fitelt_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WITHINGS_REFRESH_TOKEN (README: configuration) becomes the default athlete's grant when
    it has none; once rotated, the stale value left in the environment is not used again (the
    fake rejects a refresh token that was already rotated, as Withings does)."""
    with FakeWithings(_groups(3), client_secret=CLIENT_SECRET, strict_rotation=True) as fake:
        seed = fake.current_refresh_token
        monkeypatch.setenv("WITHINGS_REFRESH_TOKEN", seed)
        api = WithingsApiResource(
            client_id=fake.client_id, client_secret=CLIENT_SECRET, base_url=fake.url
        )
        instance = dg.DagsterInstance.ephemeral()
        store = TokenStore.open(tmp_path / "data" / "secrets")
        assert store.get("withings", "demo") is None
        first = materialize("withings/measures", instance=instance, resources={"withings_api": api})
        assert succeeded(first)
        assert query(fitelt_env, "select count(*) from raw.withings_measures")[0][0] == 9
        stored = store.get("withings", "demo")
        assert stored is not None and stored["refresh_token"] == fake.current_refresh_token != seed
        fake.expire_access_token()  # the next run must refresh: with the rotated token
        second = materialize(
            "withings/measures", instance=instance, resources={"withings_api": api}
        )
        assert succeeded(second)
        assert fake.refresh_count == 2
