"""Fake Strava API v3: ``POST /oauth/token`` and ``GET /api/v3/athlete/activities``.

Behaviour follows developers.strava.com (Authentication, Rate Limits, Pagination, Reference):
access tokens live 6 h; a refresh while the current access token has more than an hour left
returns that same access token; once a new refresh token is returned the old one stops
working; every API response carries ``X-RateLimit-*`` and ``X-ReadRateLimit-*`` headers
("15-minute,daily") and requests over budget get ``429`` with a JSON fault.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .base import FakeServer, RecordedRequest, Response
from .strava_activities import make_strava_activity, start_epoch

__all__ = ["FakeStrava", "make_strava_activity"]

logger = logging.getLogger(__name__)

AUTH_ERROR = {
    "message": "Authorization Error",
    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
}
BAD_REFRESH = {
    "message": "Bad Request",
    "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
}
RATE_LIMITED = {
    "message": "Rate Limit Exceeded",
    "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}],
}


def _bad_request(resource: str, field: str, code: str = "invalid") -> dict[str, Any]:
    error = {"resource": resource, "field": field, "code": code}
    return {"message": "Bad Request", "errors": [error]}


class FakeStrava(FakeServer):
    """Strava OAuth + athlete activity listing with a per-app rate-limit budget.

    ``rate_limit``/``read_rate_limit`` are ``(15-minute, daily)`` limits; every ``/api/v3``
    request counts (a rejected one too, as Strava documents). Use :meth:`reset_short_window`
    to simulate the quarter-hour reset.
    """

    def __init__(
        self,
        activities: Sequence[Mapping[str, Any]] = (),
        *,
        client_id: str = "12345",
        client_secret: str = "strava-client-secret",
        refresh_token: str = "strava-refresh-0",
        access_token: str = "strava-access-0",
        authorization_code: str | None = "strava-auth-code",
        access_ttl: int = 21_600,
        rotate_refresh_token: bool = True,
        rate_limit: tuple[int, int] = (200, 2_000),
        read_rate_limit: tuple[int, int] = (100, 1_000),
        athlete_id: int = 1234567,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.rotate_refresh_token = rotate_refresh_token
        self.rate_limit = rate_limit
        self.read_rate_limit = read_rate_limit
        self.athlete_id = athlete_id
        self.usage = [0, 0]  # 15-minute, daily
        self.refresh_count = 0
        self._seq = itertools.count(1)
        self._activities: dict[int, dict[str, Any]] = {}
        self._access: dict[str, float] = {access_token: self.now() + access_ttl}
        self._codes: set[str] = {authorization_code} if authorization_code else set()
        self.current_refresh_token: str | None = refresh_token
        self.current_access_token = access_token
        self.add_activities(activities)

    # -- test controls ---------------------------------------------------------------------
    def add_activities(self, activities: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            for activity in activities:
                self._activities[int(activity["id"])] = dict(activity)

    def edit_activity(self, activity_id: int, **changes: Any) -> None:
        """Change fields of an existing activity (e.g. name or distance) between syncs."""
        with self._lock:
            self._activities[activity_id].update(changes)

    def delete_activity(self, activity_id: int) -> None:
        with self._lock:
            del self._activities[activity_id]

    @property
    def activities(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(a) for a in self._activities.values()]

    def expire_access_token(self, token: str | None = None) -> None:
        with self._lock:
            self._access[token or self.current_access_token] = self.now() - 1

    def revoke(self) -> None:
        """The athlete deauthorized the app: all tokens die, refresh answers 400."""
        with self._lock:
            self._access.clear()
            self._codes.clear()
            self.current_refresh_token = None

    def issue_authorization_code(self) -> str:
        """A fresh single-use code, as if the athlete re-authorized the app."""
        code = f"strava-code-{next(self._seq)}"
        with self._lock:
            self._codes.add(code)
        return code

    def set_usage(self, short_term: int, daily: int) -> None:
        with self._lock:
            self.usage = [short_term, daily]

    def reset_short_window(self) -> None:
        with self._lock:
            self.usage[0] = 0

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        if request.path in ("/oauth/token", "/api/v3/oauth/token") and request.method == "POST":
            return self._token(request)
        if request.path == "/oauth/deauthorize" and request.method == "POST":
            return self._deauthorize(request)
        if not request.path.startswith("/api/v3/"):
            return Response(404, {"message": "Record Not Found", "errors": []})
        with self._lock:
            self.usage[0] += 1
            self.usage[1] += 1
            headers = self._rate_headers()
            over = any(
                used > limit
                for used, limit in zip(
                    self.usage * 2, [*self.rate_limit, *self.read_rate_limit], strict=True
                )
            )
        if over:
            logger.info("FakeStrava rate limit exceeded at usage %s", self.usage)
            return Response(429, RATE_LIMITED, headers)
        if not self._authorized(request):
            return Response(401, AUTH_ERROR, headers)
        if request.path == "/api/v3/athlete/activities" and request.method == "GET":
            return self._list_activities(request, headers)
        return Response(404, {"message": "Record Not Found", "errors": []}, headers)

    def _rate_headers(self) -> dict[str, str]:
        usage = f"{self.usage[0]},{self.usage[1]}"
        return {
            "X-RateLimit-Limit": "{},{}".format(*self.rate_limit),
            "X-RateLimit-Usage": usage,
            "X-ReadRateLimit-Limit": "{},{}".format(*self.read_rate_limit),
            "X-ReadRateLimit-Usage": usage,
        }

    def _authorized(self, request: RecordedRequest) -> bool:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        token = token or request.query.get("access_token", "")
        with self._lock:
            expires = self._access.get(token)
        return expires is not None and expires > self.now()

    def _token(self, request: RecordedRequest) -> Response:
        p = request.params
        if p.get("client_id") != self.client_id:
            return Response(400, _bad_request("Application", "client_id"))
        if p.get("client_secret") != self.client_secret:
            return Response(401, _bad_request("Application", "client_secret"))
        grant = p.get("grant_type")
        now = self.now()
        with self._lock:
            if grant == "refresh_token":
                if not p.get("refresh_token") or p["refresh_token"] != self.current_refresh_token:
                    logger.info("FakeStrava rejected refresh token %s", p.get("refresh_token"))
                    return Response(400, BAD_REFRESH)
                self.refresh_count += 1
                current_expiry = self._access.get(self.current_access_token, 0.0)
                if current_expiry - now <= 3600:
                    self._new_access_token(now)
            elif grant == "authorization_code":
                if p.get("code") not in self._codes:
                    return Response(400, _bad_request("AuthorizationCode", "code"))
                self._codes.discard(p["code"])
                self._new_access_token(now)
            else:
                return Response(400, _bad_request("Application", "grant_type"))
            if self.rotate_refresh_token or self.current_refresh_token is None:
                n = next(self._seq)
                self.current_refresh_token = f"strava-refresh-{n}-{secrets.token_hex(4)}"
            expires_at = int(self._access[self.current_access_token])
            body: dict[str, Any] = {
                "token_type": "Bearer",
                "access_token": self.current_access_token,
                "expires_at": expires_at,
                "expires_in": max(0, expires_at - int(now)),
                "refresh_token": self.current_refresh_token,
            }
        if grant == "authorization_code":
            body["athlete"] = {"id": self.athlete_id, "resource_state": 2}
        return Response(200, body)

    def _deauthorize(self, request: RecordedRequest) -> Response:
        """``POST /oauth/deauthorize`` with ``access_token``: revokes every token of the grant."""
        token = request.params.get("access_token", "")
        with self._lock:
            valid = self._access.get(token, 0.0) > self.now()
        if not valid:
            return Response(401, AUTH_ERROR)
        self.revoke()
        return Response(200, {"access_token": token})

    def _new_access_token(self, now: float) -> None:
        token = f"strava-access-{next(self._seq)}-{secrets.token_hex(4)}"
        self._access[token] = now + self.access_ttl  # older access tokens stay valid
        self.current_access_token = token

    def _list_activities(self, request: RecordedRequest, headers: dict[str, str]) -> Response:
        q = request.query
        try:
            before = float(q["before"]) if q.get("before") else None
            after = float(q["after"]) if q.get("after") else None
            page = int(q.get("page") or 1)
            per_page = min(int(q.get("per_page") or 30), 200)
        except ValueError:
            return Response(400, _bad_request("Application", "params"), headers)
        if after is not None and after > self.now():
            return Response(400, _bad_request("Application", "after", "future"), headers)
        with self._lock:
            items = [dict(a) for a in self._activities.values()]
        if after is not None:
            items = [a for a in items if start_epoch(a) > after]
        if before is not None:
            items = [a for a in items if start_epoch(a) < before]
        # Newest first by default; ascending when paging forward from `after`.
        items.sort(key=lambda a: (start_epoch(a), a["id"]), reverse=after is None)
        start = (max(page, 1) - 1) * max(per_page, 1)
        return Response(200, items[start : start + per_page], headers)
