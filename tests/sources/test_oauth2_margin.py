"""One refresh policy for every vendor (dlt_sources/common/oauth2.py): an access token with less
than REFRESH_MARGIN_S left is refreshed before use, with the rotated refresh token stored first.
Before, Strava refreshed 300 s early and Withings 60 s."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dlt_sources.common.oauth2 import REFRESH_MARGIN_S
from dlt_sources.common.token_store import TokenStore
from dlt_sources.strava import RateBudget, StravaClient
from dlt_sources.withings.helpers import WithingsClient
from tests.fakes import FakeStrava, FakeWithings

SECRET = "vendor-client-secret"


def _withings(fake: FakeWithings, store: TokenStore) -> WithingsClient:
    return WithingsClient(fake.url, fake.client_id, SECRET, "demo", store)


def _strava(fake: FakeStrava, store: TokenStore) -> StravaClient:
    return StravaClient(fake.url, fake.client_id, SECRET, "demo", store, budget=RateBudget())


VENDORS = {
    "withings": (lambda: FakeWithings([], client_secret=SECRET), _withings,
                 lambda client: list(client.measure_groups(lastupdate=0))),
    "strava": (lambda: FakeStrava([], client_secret=SECRET), _strava,
               lambda client: list(client.activity_pages(after=0))),
}  # fmt: skip


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_token_inside_the_margin_is_refreshed_and_one_outside_is_not(
    vendor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FITELT_SECRET_KEY", "unit-test-key")
    store = TokenStore.open(tmp_path / "secrets")
    make_fake, make_client, call = VENDORS[vendor]
    with make_fake() as fake:
        store.put(vendor, "demo", {"refresh_token": fake.current_refresh_token, "expires_at": 0})
        client = make_client(fake, store)
        call(client)  # the first call refreshes (nothing stored yet)
        assert fake.refresh_count == 1

        def expire_in(seconds: float) -> None:
            document = store.get(vendor, "demo")
            store.put(vendor, "demo", {**document, "expires_at": time.time() + seconds})

        expire_in(REFRESH_MARGIN_S + 120)  # comfortably valid: used as it is
        call(client)
        assert fake.refresh_count == 1
        expire_in(REFRESH_MARGIN_S - 120)  # still valid, but inside the margin: refreshed first
        call(client)
        assert fake.refresh_count == 2
        assert store.get(vendor, "demo")["refresh_token"] == fake.current_refresh_token
