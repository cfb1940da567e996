"""Withings API client: requesttoken refresh (OAuth2 base), getmeas pagination, status-in-body."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import requests

from ..common.errors import ApiError, ApiUnavailable, RateLimited
from ..common.oauth2 import OAuth2Client
from .settings import (
    ACCESS_TOKEN_LIFETIME_S,
    API_PAGE_RETRIES,
    HTTP_TIMEOUT_S,
    INVALID_GRANT_STATUSES,
    INVALID_TOKEN_STATUSES,
    MAX_RETRY_AFTER_S,
    MEASURE_PATH,
    MEASURE_TYPES,
    RATE_LIMIT_STATUS,
    REAL_MEASURE_CATEGORY,
    SOURCE,
    TOKEN_PATH,
)

__all__ = ["RateLimited", "WithingsApiError", "WithingsClient", "WithingsUnavailable"]

log = logging.getLogger(__name__)


class WithingsApiError(ApiError):
    """A non-zero `status` in the body, or an HTTP failure after retries."""


class WithingsUnavailable(WithingsApiError, ApiUnavailable):
    """5xx, timeouts or unreadable bodies outlasted the retries: worth another run later."""


@dataclass
class WithingsClient(OAuth2Client):
    """Talks to one athlete's Withings account; tokens live in the encrypted store."""

    source = SOURCE
    vendor = "Withings"
    token_lifetime_s = ACCESS_TOKEN_LIFETIME_S

    # --- OAuth (form-encoded `action=requesttoken`, the outcome in the body's `status`) ----
    def _request_refresh(self, refresh_token: str) -> dict[str, Any]:
        form = {"action": "requesttoken", **self._refresh_form(refresh_token)}
        payload = self._post(TOKEN_PATH, form)
        status = payload.get("status")
        if status in INVALID_GRANT_STATUSES:
            self._revoked(f"token refresh refused (status {status})")
        if status != 0:
            raise WithingsApiError(f"Withings token refresh failed: status {status}")
        return payload["body"]

    def _token_fields(self, body: dict[str, Any], refresh_token: str) -> dict[str, Any]:
        fields = super()._token_fields(body, refresh_token)
        return {**fields, "userid": body.get("userid"), "scope": body.get("scope")}

    def _refused_after_refresh(self, answer: Any) -> NoReturn:
        self._revoked(f"access token refused after a refresh (status {answer.get('status')})")

    # --- HTTP ----------------------------------------------------------------------------
    def _call(self, path: str, form: dict[str, Any]) -> dict[str, Any]:
        """An authorised POST; an invalid-token status is retried once after a refresh."""
        return self._authorised(
            lambda token: self._post(path, form, token),
            lambda payload: payload.get("status") in INVALID_TOKEN_STATUSES,
        )

    def _post(self, path: str, form: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        """POST with retries on 429/5xx/timeouts; returns the JSON body (status inside)."""
        assert self.session is not None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for attempt in range(1, API_PAGE_RETRIES + 1):
            try:
                response = self.session.post(
                    self.base_url + path, data=form, headers=headers, timeout=HTTP_TIMEOUT_S
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                wait = self._backoff(attempt, None, f"{type(exc).__name__} on {path}")
                self.sleep(wait)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                wait = self._backoff(
                    attempt, response.headers.get("Retry-After"), f"HTTP {response.status_code}"
                )
                self.sleep(wait)
                continue
            if response.status_code != 200:
                raise WithingsApiError(f"Withings {path}: HTTP {response.status_code}")
            try:
                payload = response.json()
            except ValueError as exc:
                if attempt == API_PAGE_RETRIES:
                    raise WithingsUnavailable(f"Withings {path}: response is not JSON") from exc
                self.sleep(self._backoff(attempt, None, "invalid JSON"))
                continue
            if payload.get("status") == RATE_LIMIT_STATUS:
                self.sleep(self._backoff(attempt, None, "status 601 (too many requests)"))
                continue
            return payload
        raise WithingsUnavailable(f"Withings {path}: gave up after {API_PAGE_RETRIES} attempts")

    def _backoff(self, attempt: int, retry_after: str | None, what: str) -> float:
        wait = 2.0 ** (attempt - 1)
        if retry_after is not None:
            try:
                wait = float(retry_after)
            except ValueError:
                wait = 2.0**attempt
        if wait > MAX_RETRY_AFTER_S:
            raise RateLimited(f"rate limited by Withings; retry after {wait:.0f} s", wait)
        if attempt >= API_PAGE_RETRIES:
            raise WithingsUnavailable(f"Withings: {what}; gave up after {attempt} attempts")
        log.warning("Withings: %s; waiting %.1f s (attempt %d)", what, wait, attempt)
        return wait

    # --- Measures ------------------------------------------------------------------------
    def measure_groups(self, lastupdate: int) -> Iterator[tuple[dict[str, Any], str]]:
        """All real measure groups modified since `lastupdate`, with the account time zone."""
        offset: int | None = None
        page = 0
        while True:
            form: dict[str, Any] = {
                "action": "getmeas",
                "meastypes": ",".join(str(t) for t in MEASURE_TYPES),
                "category": REAL_MEASURE_CATEGORY,
                "lastupdate": lastupdate,
            }
            if offset:
                form["offset"] = offset
            payload = self._call(MEASURE_PATH, form)
            if payload.get("status") != 0:
                raise WithingsApiError(
                    f"Withings getmeas failed: status {payload.get('status')}: "
                    f"{str(payload.get('error', ''))[:200]}"
                )
            body = payload.get("body") or {}
            page += 1
            timezone = body.get("timezone") or "UTC"
            groups = body.get("measuregrps") or []
            log.info("Withings getmeas page %d: %d groups", page, len(groups))
            for group in groups:
                zone = group.get("timezone") if isinstance(group, dict) else None
                yield group, zone or timezone  # group_rows quarantines a group that is no object
            if not body.get("more"):
                return
            offset = int(body.get("offset") or 0)
