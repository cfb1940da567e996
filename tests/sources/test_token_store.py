"""Stored OAuth tokens are encrypted at rest and written atomically."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dlt_sources.common.token_store import TokenStore, TokenStoreError


def test_tokens_are_encrypted_and_key_file_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FITELT_SECRET_KEY", raising=False)
    store = TokenStore.open(tmp_path)
    store.put("withings", "demo", {"refresh_token": "very-secret-refresh-token"})
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"very-secret-refresh-token" not in path.read_bytes()
    assert TokenStore.open(tmp_path).get("withings", "demo") == {
        "refresh_token": "very-secret-refresh-token"
    }
    assert not list(tmp_path.rglob(".tmp-*")), "atomic writes leave no temp files"


def test_wrong_key_gives_a_clear_error_without_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FITELT_SECRET_KEY", "key-one")
    TokenStore.open(tmp_path).put("strava", "demo", {"refresh_token": "tok-123"})
    monkeypatch.setenv("FITELT_SECRET_KEY", "key-two")
    with pytest.raises(TokenStoreError, match="wrong FITELT_SECRET_KEY") as error:
        TokenStore.open(tmp_path).get("strava", "demo")
    assert "tok-123" not in str(error.value)
