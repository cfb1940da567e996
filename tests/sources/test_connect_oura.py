"""`fitelt connect oura`: the authorization-code flow against the local Oura server, through
the real command (in-process `main`), and the stored grant then serving the API client."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from dlt_sources.common.token_store import TokenStore
from dlt_sources.oura.helpers import OuraClient
from dlt_sources.oura.settings import SLEEP_PATH
from fitelt.cli.main import main
from fitelt.warehouse import ConnInfo
from fitelt.web.oauth_connect import ConnectError, connect
from tests.conftest import query
from tests.fakes.oura import FakeOura, demo_oura_documents


def test_code_is_exchanged_and_the_stored_grant_serves_the_client(tmp_path: Path) -> None:
    store = TokenStore(tmp_path, b"k" * 32)
    urls: list[str] = []
    with FakeOura(demo_oura_documents(date(2025, 3, 1), 2)) as fake:
        connect(
            "oura",
            athlete_id="demo",
            store=store,
            api_base=fake.url,
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            code="oura-auth-code",
            redirect_port=8765,
            announce=urls.append,
        )
        tokens = store.get("oura", "demo")
        assert tokens["refresh_token"] == fake.current_refresh_token
        client = OuraClient(
            base_url=fake.url, client_id=fake.client_id, client_secret=fake.client_secret,
            athlete_id="demo", store=store, today=lambda: date(2025, 3, 2),
        )  # fmt: skip
        pages = list(client.documents(SLEEP_PATH, date(2025, 2, 28), date(2025, 3, 3)))
        assert fake.refresh_count == 0  # the fresh access token from the exchange was used
    assert sum(len(page) for page in pages) == 2
    assert urls[0].startswith("https://cloud.ouraring.com/oauth/authorize?")
    query_ = parse_qs(urlsplit(urls[0]).query)
    assert query_["scope"] == ["daily"] and query_["response_type"] == ["code"]
    assert query_["redirect_uri"] == ["http://localhost:8765/callback"]
    raw = b"".join(p.read_bytes() for p in tmp_path.rglob("*.bin"))
    assert tokens["refresh_token"].encode() not in raw


def test_a_used_code_is_refused_with_one_clear_error(tmp_path: Path) -> None:
    with FakeOura(authorization_code=None) as fake, pytest.raises(ConnectError, match="oura"):
        connect(
            "oura", athlete_id="demo", store=TokenStore(tmp_path, b"k" * 32), api_base=fake.url,
            client_id=fake.client_id, client_secret=fake.client_secret, code="oura-auth-code",
            redirect_port=8765, announce=lambda url: None,
        )  # fmt: skip


def test_fitelt_connect_oura_stores_the_grant_and_registers_the_athlete(
    fitelt_env: ConnInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOura() as fake:
        monkeypatch.setenv("OURA_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("OURA_CLIENT_SECRET", fake.client_secret)
        monkeypatch.setenv("OURA_API_BASE", fake.url)
        code = fake.issue_authorization_code()
        assert main(["connect", "oura", "--athlete", "alice", "--code", code]) == 0
        refresh_token = fake.current_refresh_token
        access_token = fake.current_access_token
    store = TokenStore.open(tmp_path / "data" / "secrets")
    assert store.get("oura", "alice")["refresh_token"] == refresh_token
    assert query(fitelt_env, "select count(*) from raw.athletes where athlete_id = 'alice'") == [
        (1,)
    ]
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("tests.")]
    shown = "".join(capfd.readouterr()) + "\n".join(ours)
    assert "cloud.ouraring.com/oauth/authorize" in shown
    for secret in (refresh_token, access_token, fake.client_secret):
        assert secret not in shown


def test_fitelt_connect_oura_without_app_credentials_is_one_line_exit_2(
    fitelt_env: ConnInfo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("OURA_CLIENT_ID", raising=False)
    monkeypatch.delenv("OURA_CLIENT_SECRET", raising=False)
    assert main(["connect", "oura", "--code", "x"]) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == ["set OURA_CLIENT_ID and OURA_CLIENT_SECRET first (your API app)"]
