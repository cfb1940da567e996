"""`fitelt connect`: the authorization-code flow against local Withings and Strava servers."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dlt_sources.common.token_store import TokenStore
from fitelt.web.oauth_connect import PROVIDERS, ConnectError, capture_redirect, connect
from tests.fakes import FakeStrava, FakeWithings


@pytest.mark.parametrize("source", ["withings", "strava"])
def test_code_is_exchanged_and_tokens_stored_encrypted(source: str, tmp_path: Path) -> None:
    fake_class = FakeWithings if source == "withings" else FakeStrava
    store = TokenStore(tmp_path, b"k" * 32)
    urls: list[str] = []
    with fake_class() as fake:
        connect(
            source,
            athlete_id="demo",
            store=store,
            api_base=fake.url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            code=f"{source}-auth-code",
            redirect_port=8765,
            announce=urls.append,
        )
        tokens = store.get(source, "demo")
        assert tokens["refresh_token"] == fake.current_refresh_token
    query = parse_qs(urlsplit(urls[0]).query)
    assert query["client_id"] == [fake.client_id] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost:8765/callback"]
    raw = b"".join(p.read_bytes() for p in tmp_path.rglob("*.bin"))
    assert tokens["refresh_token"].encode() not in raw


def test_a_refused_code_is_a_clear_error(tmp_path: Path) -> None:
    with FakeStrava() as fake, pytest.raises(ConnectError, match="refused the code"):
        connect(
            "strava",
            athlete_id="demo",
            store=TokenStore(tmp_path, b"k" * 32),
            api_base=fake.url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            code="not-a-code",
            redirect_port=8765,
            announce=lambda url: None,
        )


def test_redirect_is_captured_only_with_the_right_state() -> None:
    port = 18765
    codes: list[str] = []
    waiter = threading.Thread(target=lambda: codes.append(capture_redirect(port, "s1", 20)))
    waiter.start()
    time.sleep(0.3)
    base = f"http://127.0.0.1:{port}/callback"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{base}?code=evil&state=wrong", timeout=5)
    with urllib.request.urlopen(f"{base}?code=good-code&state=s1", timeout=5) as response:
        assert response.status == 200
    waiter.join(timeout=10)
    assert codes == ["good-code"]
    assert "withings" in PROVIDERS
