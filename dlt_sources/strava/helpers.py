"""Strava API client: /oauth/token refresh (OAuth2 base), activity pagination, rate budget."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

import requests

from ..common.errors import ApiError, ApiUnavailable, NeedsReconnect
from ..common.oauth2 import OAuth2Client
from .budget import RateBudget, RateLimited
from .settings import (
    ACCESS_TOKEN_LIFETIME_S,
    ACTIVITIES_PATH,
    API_RETRIES,
    DEAUTHORIZE_PATH,
    MAX_RETRY_AFTER_S,
    PER_PAGE,
    SOURCE,
    TOKEN_PATH,
)

log = logging.getLogger(__name__)


class StravaApiError(ApiError):
    """An HTTP failure that retrying did not fix (messages never hold tokens or secrets)."""


class StravaUnavailable(StravaApiError, ApiUnavailable):
    """5xx, timeouts or cut bodies outlasted the retries: worth another run later."""


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
class StravaClient(OAuth2Client):
    """Talks to one athlete's Strava account; tokens live in the encrypted store."""

    source = SOURCE
    vendor = "Strava"
    unavailable = StravaUnavailable
    token_lifetime_s = ACCESS_TOKEN_LIFETIME_S

    budget: RateBudget = field(default_factory=RateBudget)

    # --- OAuth (POST /oauth/token, the outcome in the HTTP status) ------------------------
    def _request_refresh(self, refresh_token: str) -> dict[str, Any]:
        response = self._send("POST", TOKEN_PATH, data=self._refresh_form(refresh_token))
        if response.status_code in (400, 401) and "Application." in _message(response):
            raise StravaApiError(
                "Strava refused the app credentials: check STRAVA_CLIENT_ID/STRAVA_CLIENT_SECRET"
            )
        if response.status_code == 400:
            self._revoked(f"token refresh refused ({_message(response)})")
        if response.status_code != 200:
            raise StravaApiError(f"Strava token refresh: HTTP {response.status_code}")
        return response.json()

    def _refused_after_refresh(self, answer: Any) -> NoReturn:
        self._revoked(f"access token refused after a refresh (scope {_message(answer)})")

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        """An authorised GET; a 401 is retried once after a refresh."""
        response = self._authorised(
            lambda token: self._get_within_budget(path, params, token),
            lambda answer: answer.status_code == 401,
        )
        if response.status_code == 200:
            return response.json()
        raise StravaApiError(f"Strava {path}: HTTP {response.status_code} {_message(response)}")

    def _get_within_budget(
        self, path: str, params: dict[str, Any], token: str
    ) -> requests.Response:
        """GET with the budget checked first and a short 429 waited out."""
        for attempt in range(1, API_RETRIES + 1):
            self.budget.check()
            headers = {"Authorization": f"Bearer {token}"}
            response = self._send("GET", path, params=params, headers=headers)
            self.budget.update(response.headers)
            if response.status_code != 429:
                return response
            self._wait_out_429(response, attempt)
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
