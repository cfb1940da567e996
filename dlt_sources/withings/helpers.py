"""Withings API client: OAuth2 refresh with rotation, getmeas pagination, status-in-body errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from ..common.token_store import NeedsReconnect, TokenStore
from .settings import (
    API_PAGE_RETRIES,
    HTTP_TIMEOUT_S,
    MAX_RETRY_AFTER_S,
    MEASURE_PATH,
    MEASURE_TYPES,
    REAL_MEASURE_CATEGORY,
    TOKEN_PATH,
)

log = logging.getLogger(__name__)

SOURCE = "withings"
INVALID_TOKEN_STATUSES = {100, 101, 102, 200, 401}  # access token invalid or expired
# A refresh refused with one of these means the grant is gone (503 = "invalid refresh_token").
INVALID_GRANT_STATUSES = {100, 101, 102, 200, 401, 503}
RATE_LIMIT_STATUS = 601


class WithingsApiError(RuntimeError):
    """A non-zero `status` in the body, or an HTTP failure after retries."""


class RateLimited(RuntimeError):
    """The API asked us to wait longer than we are willing to within one run."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited by Withings; retry after {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass
class WithingsClient:
    """Talks to one athlete's Withings account; tokens live in the encrypted store."""

    base_url: str
    client_id: str
    client_secret: str
    athlete_id: str
    store: TokenStore
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session = self.session or requests.Session()

    # --- OAuth ---------------------------------------------------------------------------
    def _tokens(self) -> dict[str, Any]:
        tokens = self.store.get(SOURCE, self.athlete_id)
        if not tokens or not tokens.get("refresh_token"):
            raise NeedsReconnect(f"no Withings grant stored for athlete {self.athlete_id}")
        if tokens.get("needs_reconnect"):
            raise NeedsReconnect(
                f"Withings grant for {self.athlete_id}: {tokens['needs_reconnect']}"
            )
        return tokens

    def access_token(self, *, force_refresh: bool = False) -> str:
        tokens = self._tokens()
        fresh = tokens.get("access_token") and tokens.get("expires_at", 0) > time.time() + 60
        if fresh and not force_refresh:
            return str(tokens["access_token"])
        return self._refresh(tokens)

    def _refresh(self, tokens: dict[str, Any]) -> str:
        form = {
            "action": "requesttoken",
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": tokens["refresh_token"],
        }
        payload = self._post(TOKEN_PATH, form, authorised=False)
        status = payload.get("status")
        if status != 0 and status not in INVALID_GRANT_STATUSES:
            raise WithingsApiError(f"Withings token refresh failed: status {status}")
        if status != 0:
            reason = (
                f"token refresh refused (status {status}): reconnect with `fitelt connect withings`"
            )
            self.store.mark_needs_reconnect(SOURCE, self.athlete_id, reason)
            raise NeedsReconnect(reason)
        body = payload["body"]
        # Rotation: the new refresh token replaces the old one, persisted before any use.
        self.store.put(
            SOURCE,
            self.athlete_id,
            {
                "access_token": body["access_token"],
                "refresh_token": body["refresh_token"],
                "expires_at": time.time() + float(body.get("expires_in", 10800)),
                "userid": body.get("userid"),
                "scope": body.get("scope"),
            },
        )
        log.info("refreshed Withings access token for athlete %s", self.athlete_id)
        return str(body["access_token"])

    # --- HTTP ----------------------------------------------------------------------------
    def _post(self, path: str, form: dict[str, Any], *, authorised: bool) -> dict[str, Any]:
        """POST with retries on 429/5xx/timeouts; returns the JSON body (status inside)."""
        assert self.session is not None
        for attempt in range(1, API_PAGE_RETRIES + 1):
            headers = {"Authorization": f"Bearer {self.access_token()}"} if authorised else {}
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
                    raise WithingsApiError(f"Withings {path}: response is not JSON") from exc
                self.sleep(self._backoff(attempt, None, "invalid JSON"))
                continue
            if payload.get("status") == RATE_LIMIT_STATUS:
                self.sleep(self._backoff(attempt, None, "status 601 (too many requests)"))
                continue
            if authorised and payload.get("status") in INVALID_TOKEN_STATUSES:
                self.access_token(force_refresh=True)
                continue
            return payload
        raise WithingsApiError(f"Withings {path}: gave up after {API_PAGE_RETRIES} attempts")

    def _backoff(self, attempt: int, retry_after: str | None, what: str) -> float:
        wait = 2.0 ** (attempt - 1)
        if retry_after is not None:
            try:
                wait = float(retry_after)
            except ValueError:
                wait = 2.0**attempt
        if wait > MAX_RETRY_AFTER_S:
            raise RateLimited(wait)
        if attempt >= API_PAGE_RETRIES:
            raise WithingsApiError(f"Withings: {what}; gave up after {attempt} attempts")
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
            payload = self._post(MEASURE_PATH, form, authorised=True)
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
                yield group, group.get("timezone") or timezone
            if not body.get("more"):
                return
            offset = int(body.get("offset") or 0)


def group_rows(group: dict[str, Any], athlete_id: str, timezone: str) -> list[dict[str, Any]]:
    """One row per known measure of a group; real value = value * 10^unit."""
    if group.get("category", REAL_MEASURE_CATEGORY) != REAL_MEASURE_CATEGORY:
        return []  # a goal, not a measurement
    measured_at = datetime.fromtimestamp(int(group["date"]), tz=UTC)
    modified = group.get("modified")
    rows = []
    for measure in group.get("measures") or []:
        name = MEASURE_TYPES.get(int(measure["type"]))
        if name is None:
            continue
        rows.append(
            {
                "athlete_id": athlete_id,
                "measured_at": measured_at,
                "measure_type": int(measure["type"]),
                "measure_name": name,
                "value": round(int(measure["value"]) * 10 ** int(measure["unit"]), 6),
                "timezone": timezone,
                "grpid": group.get("grpid"),
                "modified_at": datetime.fromtimestamp(int(modified), tz=UTC) if modified else None,
            }
        )
    return rows
