"""Strava API client: OAuth2 refresh with rotation, activity pagination, rate-limit budget."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from ..common.token_store import NeedsReconnect, TokenStore
from .budget import RateBudget, RateLimited
from .settings import (
    ACTIVITIES_PATH,
    API_RETRIES,
    BACKOFF_BASE_S,
    DEAUTHORIZE_PATH,
    HTTP_TIMEOUT_S,
    MAX_RETRY_AFTER_S,
    PER_PAGE,
    TOKEN_PATH,
    TOKEN_REFRESH_MARGIN_S,
)

log = logging.getLogger(__name__)

SOURCE = "strava"
RECONNECT = "reconnect with `fitelt connect strava`"


class StravaApiError(RuntimeError):
    """An HTTP failure that retrying did not fix (messages never hold tokens or secrets)."""


class StravaUnavailable(StravaApiError):
    """5xx, timeouts or cut bodies outlasted the retries: worth another run later."""

    transient = True


def _message(response: requests.Response) -> str:
    """Strava's own error summary ("Bad Request", "Authorization Error"), never the request."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or ""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors") or []
    fields = ", ".join(
        f"{e.get('resource')}.{e.get('field')} {e.get('code')}"
        for e in errors
        if isinstance(e, dict)
    )
    return f"{body.get('message', '')} {fields}".strip()[:200]


@dataclass
class StravaClient:
    """Talks to one athlete's Strava account; tokens live in the encrypted store."""

    base_url: str
    client_id: str
    client_secret: str
    athlete_id: str
    store: TokenStore
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    budget: RateBudget = field(default_factory=RateBudget)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session = self.session or requests.Session()

    # --- OAuth ---------------------------------------------------------------------------
    def _tokens(self) -> dict[str, Any]:
        tokens = self.store.get(SOURCE, self.athlete_id)
        if not tokens or not tokens.get("refresh_token"):
            raise NeedsReconnect(f"no Strava grant stored for athlete {self.athlete_id}")
        if tokens.get("needs_reconnect"):
            raise NeedsReconnect(f"Strava grant for {self.athlete_id}: {tokens['needs_reconnect']}")
        return tokens

    def access_token(self, *, force_refresh: bool = False) -> str:
        tokens = self._tokens()
        expires_at = float(tokens.get("expires_at") or 0)
        fresh = tokens.get("access_token") and expires_at > time.time() + TOKEN_REFRESH_MARGIN_S
        if fresh and not force_refresh:
            return str(tokens["access_token"])
        return self._refresh(tokens)

    def _refresh(self, tokens: dict[str, Any]) -> str:
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
        }
        response = self._send("POST", TOKEN_PATH, data=form)
        if response.status_code in (400, 401) and "Application." in _message(response):
            raise StravaApiError(
                "Strava refused the app credentials: check STRAVA_CLIENT_ID/STRAVA_CLIENT_SECRET"
            )
        if response.status_code == 400:
            reason = f"token refresh refused ({_message(response)}): {RECONNECT}"
            self.store.mark_needs_reconnect(SOURCE, self.athlete_id, reason)
            raise NeedsReconnect(reason)
        if response.status_code != 200:
            raise StravaApiError(f"Strava token refresh: HTTP {response.status_code}")
        body = response.json()
        document = {k: v for k, v in tokens.items() if k != "needs_reconnect"}
        # Rotation: the new refresh token replaces the old one, persisted before any use.
        document.update(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or tokens["refresh_token"],
            expires_at=float(body.get("expires_at") or time.time() + float(body["expires_in"])),
        )
        self.store.put(SOURCE, self.athlete_id, document)
        log.info("refreshed Strava access token for athlete %s", self.athlete_id)
        return str(body["access_token"])

    # --- HTTP ----------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request, retried with bounded backoff on 5xx, timeouts and unreadable bodies."""
        assert self.session is not None
        for attempt in range(1, API_RETRIES + 1):
            try:
                response = self.session.request(
                    method, self.base_url + path, timeout=HTTP_TIMEOUT_S, **kwargs
                )
                if response.status_code == 200:
                    response.json()  # a cut (unparseable) body is retried like a 5xx
                if response.status_code < 500:
                    return response
                what = f"HTTP {response.status_code}"
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                ValueError,
            ) as exc:
                # The exception text can hold the URL; its type is enough for the log.
                what = type(exc).__name__
            if attempt == API_RETRIES:
                raise StravaUnavailable(f"Strava {path}: {what}; gave up after {attempt} attempts")
            wait = BACKOFF_BASE_S * 2 ** (attempt - 1)
            log.warning("Strava %s: %s; retrying in %.0f s (attempt %d)", path, what, wait, attempt)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        """GET with the budget checked first, a short 429 waited out and one forced refresh."""
        refreshed = False
        for attempt in range(1, API_RETRIES + 1):
            self.budget.check()
            headers = {"Authorization": f"Bearer {self.access_token()}"}
            response = self._send("GET", path, params=params, headers=headers)
            self.budget.update(response.headers)
            if response.status_code == 200:
                return response.json()
            if response.status_code == 429:
                self._wait_out_429(response, attempt)
                continue
            if response.status_code == 401 and not refreshed:
                refreshed = True
                self.access_token(force_refresh=True)
                continue
            if response.status_code == 401:
                reason = f"access token refused after a refresh (scope {_message(response)})"
                self.store.mark_needs_reconnect(SOURCE, self.athlete_id, f"{reason}: {RECONNECT}")
                raise NeedsReconnect(reason)
            raise StravaApiError(f"Strava {path}: HTTP {response.status_code} {_message(response)}")
        raise RateLimited(f"Strava {path}: still rate limited after {API_RETRIES} attempts")

    def _wait_out_429(self, response: requests.Response, attempt: int) -> None:
        header = response.headers.get("Retry-After")
        try:
            wait = float(header) if header is not None else None
        except ValueError:
            wait = None
        if wait is None or wait > MAX_RETRY_AFTER_S or attempt == API_RETRIES:
            hint = "no Retry-After" if wait is None else f"Retry-After {wait:.0f} s"
            raise RateLimited(f"Strava answered 429 ({hint}; {self.budget.describe()})")
        wait = max(wait, 1.0)  # never retry hot, even on "Retry-After: 0"
        log.warning("Strava 429: waiting %.0f s as Retry-After asks (attempt %d)", wait, attempt)
        self.sleep(wait)

    def deauthorize(self) -> bool:
        """Revoke the grant at Strava (POST /oauth/deauthorize); False when already gone."""
        try:
            token = self.access_token()
        except NeedsReconnect:
            return False
        response = self._send("POST", DEAUTHORIZE_PATH, data={"access_token": token})
        if response.status_code == 401:
            return False
        if response.status_code != 200:
            raise StravaApiError(f"Strava deauthorize: HTTP {response.status_code}")
        log.info("revoked the Strava grant of athlete %s", self.athlete_id)
        return True

    # --- Activities ----------------------------------------------------------------------
    def activity_pages(self, after: int) -> Iterator[list[dict[str, Any]]]:
        """Pages of SummaryActivity started after `after` (epoch), until an empty page."""
        page = 1
        while True:
            params = {"after": after, "per_page": PER_PAGE, "page": page}
            items = self._get(ACTIVITIES_PATH, params)
            if not isinstance(items, list):
                raise StravaApiError(
                    f"Strava {ACTIVITIES_PATH}: expected a list, got {type(items)}"
                )
            if not items:
                return
            yield items
            page += 1
