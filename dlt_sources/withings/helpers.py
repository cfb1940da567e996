"""Withings API client: OAuth2 refresh with rotation, getmeas pagination, status-in-body errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from ..common.quarantine import RowError
from ..common.token_store import NeedsReconnect, TokenStore
from .settings import (
    API_PAGE_RETRIES,
    BOUNDS,
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


class WithingsUnavailable(WithingsApiError):
    """5xx, timeouts or unreadable bodies outlasted the retries: worth another run later."""

    transient = True


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
                    raise WithingsUnavailable(f"Withings {path}: response is not JSON") from exc
                self.sleep(self._backoff(attempt, None, "invalid JSON"))
                continue
            if payload.get("status") == RATE_LIMIT_STATUS:
                self.sleep(self._backoff(attempt, None, "status 601 (too many requests)"))
                continue
            if authorised and payload.get("status") in INVALID_TOKEN_STATUSES:
                self.access_token(force_refresh=True)
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
            raise RateLimited(wait)
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
                zone = group.get("timezone") if isinstance(group, dict) else None
                yield group, zone or timezone  # group_rows quarantines a group that is no object
            if not body.get("more"):
                return
            offset = int(body.get("offset") or 0)


def group_rows(
    group: dict[str, Any], athlete_id: str, timezone: str, *, now: float | None = None
) -> list[dict[str, Any]]:
    """One row per known measure of a group; real value = value * 10^unit.

    RowError (naming the field) for a group that cannot be loaded: a missing or non-integer
    date, value or unit, a value outside the plausible range, a date in the future, a time
    zone that is not an IANA name (dbt converts with it).
    """
    if not isinstance(group, dict):
        raise RowError(f"group: expected an object, got {type(group).__name__}")
    if group.get("category", REAL_MEASURE_CATEGORY) != REAL_MEASURE_CATEGORY:
        return []  # a goal, not a measurement
    date = _integer(group.get("date"), "date")
    if date > (now or time.time()) + 86_400:
        raise RowError(f"date: {date} is in the future")
    measured_at = _instant(date, "date")
    modified = group.get("modified")
    modified_at = _instant(_integer(modified, "modified"), "modified") if modified else None
    grpid = group.get("grpid")
    if grpid is not None:
        _integer(grpid, "grpid")
    _check_timezone(timezone)
    measures = group.get("measures") or []
    if not isinstance(measures, list):
        raise RowError(f"measures: expected a list, got {type(measures).__name__}")
    rows = []
    for index, measure in enumerate(measures):
        field = f"measures[{index}]"
        if not isinstance(measure, dict):
            raise RowError(f"{field}: expected an object, got {type(measure).__name__}")
        name = MEASURE_TYPES.get(_integer(measure.get("type"), f"{field}.type"))
        if name is None:
            continue
        mantissa = _integer(measure.get("value"), f"{field}.value")
        unit = _integer(measure.get("unit"), f"{field}.unit")
        if not -MAX_UNIT_EXPONENT <= unit <= MAX_UNIT_EXPONENT:  # 10**huge would never finish
            raise RowError(
                f"{field}.unit: {unit} outside [-{MAX_UNIT_EXPONENT}, {MAX_UNIT_EXPONENT}]"
            )
        try:
            value = round(mantissa * 10**unit, 6)
        except OverflowError as exc:  # an int past float range times 10**-3
            raise RowError(f"{field}.value: outside the floating-point range") from exc
        low, high = BOUNDS[name]
        if not low <= value <= high:
            raise RowError(f"{field}.value: {name} {value:g} outside [{low:g}, {high:g}]")
        rows.append(
            {
                "athlete_id": athlete_id,
                "measured_at": measured_at,
                "measure_type": MEASURE_TYPES_BY_NAME[name],
                "measure_name": name,
                "value": value,
                "timezone": timezone,
                "grpid": grpid,
                "modified_at": modified_at,
            }
        )
    return rows


MEASURE_TYPES_BY_NAME = {name: mtype for mtype, name in MEASURE_TYPES.items()}


MAX_UNIT_EXPONENT = 30  # real units are -3..0: value * 10^unit
MAX_BIGINT = 2**63 - 1


def _integer(value: Any, field: str) -> int:
    """An integer field of the API's JSON (Withings sends numbers, never strings)."""
    if value is None:
        raise RowError(f"{field}: missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(f"{field}: not an integer: {str(value)[:40]!r}")
    if not -MAX_BIGINT <= value <= MAX_BIGINT:
        raise RowError(f"{field}: outside the 64-bit integer range")
    return value


def _instant(epoch: int, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:  # beyond year 1..9999
        raise RowError(f"{field}: {epoch} is out of range") from exc


def _check_timezone(timezone: Any) -> None:
    if not isinstance(timezone, str):
        raise RowError(f"timezone: not text: {timezone!r:.40}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise RowError(f"timezone: {timezone[:40]!r} is not a known time zone") from exc
