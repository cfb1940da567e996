"""Oura API v2 client: /oauth/token refresh (OAuth2 base), next_token paging, 429 Retry-After."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

import requests

from ..common.errors import ApiError, ApiUnavailable, RateLimited
from ..common.oauth2 import OAuth2Client
from .settings import (
    ACCESS_TOKEN_LIFETIME_S,
    API_RETRIES,
    MAX_RETRY_AFTER_S,
    SOURCE,
    TOKEN_PATH,
)

__all__ = ["OuraApiError", "OuraClient", "OuraForbidden", "OuraUnavailable", "RateLimited"]

log = logging.getLogger(__name__)

# RFC 6749 token errors meaning the grant itself is gone (used, revoked or expired).
DEAD_GRANT_ERRORS = {"invalid_grant", "unauthorized_client"}


class OuraApiError(ApiError):
    """An HTTP failure that retrying did not fix (messages never hold tokens or secrets)."""


class OuraUnavailable(OuraApiError, ApiUnavailable):
    """5xx, timeouts or cut bodies outlasted the retries: worth another run later."""


class OuraForbidden(OuraApiError):
    """403: the account's Oura membership lapsed or the grant lacks the `daily` scope."""


def _message(response: requests.Response) -> str:
    """Oura's own summary (RFC 7807 `title`/`detail`, RFC 6749 `error`), never the request."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or ""
    if not isinstance(body, dict):
        return ""
    parts = [body.get(key) for key in ("error", "title", "detail")]
    return " ".join(str(part) for part in parts if part)[:200]


def _error_code(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


@dataclass
class OuraClient(OAuth2Client):
    """Talks to one athlete's Oura account; tokens live in the encrypted store.

    `sleep` (from the base) waits out 429s and backoffs: tests pass a recorder. A 429 asking
    for more than `max_retry_after_s`, or none at all (Oura's window is 5 minutes), stops the
    sync cleanly. `today` dates the end of every window.
    """

    source = SOURCE
    vendor = "Oura"
    unavailable = OuraUnavailable
    token_lifetime_s = ACCESS_TOKEN_LIFETIME_S

    max_retry_after_s: float = MAX_RETRY_AFTER_S
    today: Callable[[], date] = date.today

    # --- OAuth (POST /oauth/token, RFC 6749 errors) --------------------------------------
    def _request_refresh(self, refresh_token: str) -> dict[str, Any]:
        response = self._send("POST", TOKEN_PATH, data=self._refresh_form(refresh_token))
        code = _error_code(response)
        if code == "invalid_client":
            raise OuraApiError(
                "Oura refused the app credentials: check OURA_CLIENT_ID/OURA_CLIENT_SECRET"
            )
        if response.status_code in (400, 401) and (code in DEAD_GRANT_ERRORS or not code):
            self._revoked(f"token refresh refused ({_message(response)})")
        if response.status_code != 200:
            raise OuraApiError(f"Oura token refresh: HTTP {response.status_code}")
        return response.json()

    def _refused_after_refresh(self, answer: Any) -> NoReturn:
        self._revoked(f"access token refused after a refresh ({_message(answer)})")

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        """An authorised GET; a 401 is retried once after a refresh."""
        response = self._authorised(
            lambda token: self._get_waiting_out_429(path, params, token),
            lambda answer: answer.status_code == 401,
        )
        if response.status_code == 200:
            return response.json()
        if response.status_code == 403:
            raise OuraForbidden(f"Oura {path}: HTTP 403 {_message(response)}")
        raise OuraApiError(f"Oura {path}: HTTP {response.status_code} {_message(response)}")

    def _get_waiting_out_429(
        self, path: str, params: dict[str, Any], token: str
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        for attempt in range(1, API_RETRIES + 1):
            response = self._send("GET", path, params=params, headers=headers)
            if response.status_code != 429:
                return response
            self._wait_out_429(response, attempt)
        raise RateLimited(f"Oura {path}: still rate limited after {API_RETRIES} attempts")

    def _wait_out_429(self, response: requests.Response, attempt: int) -> None:
        header = response.headers.get("Retry-After")
        try:
            wait = float(header) if header is not None else None
        except ValueError:
            wait = None
        if wait is None or wait > self.max_retry_after_s or attempt == API_RETRIES:
            hint = "no Retry-After" if wait is None else f"Retry-After {wait:.0f} s"
            raise RateLimited(f"Oura answered 429 ({hint})", wait)
        wait = max(wait, 1.0)  # never retry hot, even on "Retry-After: 0"
        log.warning("Oura 429: waiting %.0f s as Retry-After asks (attempt %d)", wait, attempt)
        self.sleep(wait)

    # --- Collections ---------------------------------------------------------------------
    def documents(self, path: str, start: date, end: date) -> Iterator[list[Any]]:
        """Pages of a collection's documents between two days, following `next_token`."""
        params: dict[str, Any] = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        page = 0
        while True:
            body = self._get(path, params)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise OuraApiError(f"Oura {path}: expected {{'data': [...]}}, got {type(body)}")
            page += 1
            log.info("Oura %s page %d: %d documents", path, page, len(data))
            yield data
            token = body.get("next_token")
            if not token:
                return
            params = {**params, "next_token": token}
