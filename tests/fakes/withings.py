"""Fake Withings public API: ``POST /v2/oauth2`` (requesttoken) and ``/measure`` (getmeas).

Withings answers almost everything with HTTP 200 and a JSON envelope whose ``status`` is 0 on
success and a Withings status code otherwise (401 bad access token, 503 invalid params such as
a dead refresh token, 601 too many requests, ...). Sources: Withings developer docs
("Response status" table, Measure - Getmeas, OAuth 2.0 requesttoken, "Access and refresh tokens").
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .base import FakeServer, Fault, RecordedRequest, Response
from .withings_data import decode_measure, encode_measure, make_withings_groups

__all__ = [
    "FakeWithings",
    "decode_measure",
    "encode_measure",
    "make_withings_groups",
    "withings_envelope",
    "withings_error",
]

logger = logging.getLogger(__name__)

INVALID_ACCESS_TOKEN = (
    "XRequestID: Not provided invalid_token: The access token provided is invalid"
)
MISSING_ACCESS_TOKEN = "XRequestID: Not provided missing_token: Missing access token parameter"


def withings_envelope(status: int, error: str, body: Mapping[str, Any] | None = None) -> dict:
    return {"status": status, "body": dict(body or {}), "error": error}


def withings_error(status: int, error: str = "An error occurred") -> Fault:
    """An HTTP-200 Withings error envelope, e.g. ``withings_error(601, "Too many request")``."""
    return Fault(status=200, body=withings_envelope(status, error))


class FakeWithings(FakeServer):
    """Withings OAuth2 + Measure Getmeas.

    Token rules follow the Withings developer guide ("Access and refresh tokens"): an access
    token lives 3 h (``expires_in`` 10800); every refresh returns a *new* refresh token; the
    previous refresh token stays usable until the new access token is first used (the 8 h
    window is not modelled). ``strict_rotation=True`` kills it immediately instead.
    """

    def __init__(
        self,
        measure_groups: Sequence[Mapping[str, Any]] = (),
        *,
        page_size: int = 100,
        client_id: str = "withings-client-id",
        client_secret: str = "withings-client-secret",
        refresh_token: str = "withings-refresh-0",
        access_token: str = "withings-access-0",
        authorization_code: str | None = "withings-auth-code",
        userid: int = 12345678,
        timezone: str = "Europe/Paris",
        scope: str = "user.metrics",
        access_ttl: int = 10800,
        strict_rotation: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.page_size = page_size
        self.client_id = client_id
        self.client_secret = client_secret
        self.userid = userid
        self.timezone = timezone
        self.scope = scope
        self.access_ttl = access_ttl
        self.strict_rotation = strict_rotation
        self.refresh_count = 0
        self._groups: dict[int, dict[str, Any]] = {}
        self._seq = itertools.count(1)
        self._refresh_tokens: set[str] = {refresh_token}
        self._grace: dict[str, str] = {}  # superseded refresh token -> access token replacing it
        self._access: dict[str, float] = {access_token: self.now() + access_ttl}
        self._codes: set[str] = {authorization_code} if authorization_code else set()
        self.current_refresh_token = refresh_token
        self.current_access_token = access_token
        self.add_groups(measure_groups)

    # -- test controls ---------------------------------------------------------------------
    def add_groups(self, groups: Iterable[Mapping[str, Any]]) -> None:
        with self._lock:
            for group in groups:
                self._groups[int(group["grpid"])] = dict(group)

    def update_group(self, grpid: int, **changes: Any) -> None:
        """Edit a group in place; ``modified`` moves to now unless given explicitly."""
        with self._lock:
            group = self._groups[grpid]
            group.update(changes)
            if "modified" not in changes:
                group["modified"] = int(self.now())

    def delete_group(self, grpid: int) -> None:
        with self._lock:
            del self._groups[grpid]

    @property
    def groups(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(g) for g in self._groups.values()]

    def expire_access_token(self, token: str | None = None) -> None:
        with self._lock:
            self._access[token or self.current_access_token] = self.now() - 1

    def revoke_grant(self) -> None:
        """The user unlinked the app: every token and code stops working."""
        with self._lock:
            self._refresh_tokens.clear()
            self._grace.clear()
            self._access.clear()
            self._codes.clear()

    def issue_authorization_code(self) -> str:
        code = f"withings-code-{next(self._seq)}"
        with self._lock:
            self._codes.add(code)
        return code

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        if request.path == "/v2/oauth2":
            return self._oauth2(request)
        if request.path == "/measure":
            return self._measure(request)
        return Response(404, {"status": 2554, "body": {}, "error": "Not implemented"})

    def _oauth2(self, request: RecordedRequest) -> Response:
        p = request.params
        if request.method != "POST" or p.get("action") != "requesttoken":
            return Response(200, withings_envelope(503, "Invalid Params: invalid action"))
        if p.get("client_id") != self.client_id:
            return Response(200, withings_envelope(503, "Invalid Params: invalid client_id"))
        if p.get("client_secret") != self.client_secret:
            return Response(200, withings_envelope(503, "Invalid Params: invalid client_secret"))
        grant = p.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                code = p.get("code", "")
                if code not in self._codes:
                    return Response(200, withings_envelope(503, "Invalid Params: invalid code"))
                self._codes.discard(code)
            elif grant == "refresh_token":
                token = p.get("refresh_token", "")
                if token not in self._refresh_tokens and token not in self._grace:
                    logger.info("FakeWithings rejected refresh token %s", token)
                    return Response(
                        200, withings_envelope(503, "Invalid Params: invalid refresh_token")
                    )
                self._refresh_tokens.discard(token)
                self._grace.pop(token, None)
                self.refresh_count += 1
            else:
                return Response(200, withings_envelope(503, "Invalid Params: invalid grant_type"))
            n = next(self._seq)
            access = f"withings-access-{n}-{secrets.token_hex(4)}"
            refresh = f"withings-refresh-{n}-{secrets.token_hex(4)}"
            self._access[access] = self.now() + self.access_ttl
            self._refresh_tokens.add(refresh)
            if grant == "refresh_token" and not self.strict_rotation:
                self._grace[p["refresh_token"]] = access
            self.current_access_token, self.current_refresh_token = access, refresh
        body = {
            "userid": str(self.userid),
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.access_ttl,
            "scope": self.scope,
            "csrf_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
        }
        return Response(200, {"status": 0, "body": body})

    def _authorize(self, request: RecordedRequest) -> str | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return MISSING_ACCESS_TOKEN
        token = header.removeprefix("Bearer ").strip()
        with self._lock:
            expires = self._access.get(token)
            if expires is None or expires <= self.now():
                return INVALID_ACCESS_TOKEN
            # First use of a new access token retires the refresh token it replaced.
            for old in [old for old, new in self._grace.items() if new == token]:
                del self._grace[old]
        return None

    def _measure(self, request: RecordedRequest) -> Response:
        auth_error = self._authorize(request)
        if auth_error:
            return Response(200, withings_envelope(401, auth_error))
        p = request.params
        if p.get("action") != "getmeas":
            return Response(200, withings_envelope(503, "Invalid Params: invalid action"))
        try:
            types = _int_list(p.get("meastypes") or p.get("meastype") or "")
            category = int(p["category"]) if p.get("category") else None
            start = int(p["startdate"]) if p.get("startdate") else None
            end = int(p["enddate"]) if p.get("enddate") else None
            lastupdate = int(p["lastupdate"]) if p.get("lastupdate") else None
            offset = int(p.get("offset") or 0)
        except ValueError as exc:
            return Response(200, withings_envelope(503, f"Invalid Params: {exc}"))

        selected: list[dict[str, Any]] = []
        with self._lock:
            groups = sorted(
                (dict(g) for g in self._groups.values()), key=lambda g: (g["date"], g["grpid"])
            )
        for group in reversed(groups):  # Withings lists newest first
            if category is not None and group.get("category", 1) != category:
                continue
            if start is not None and group["date"] < start:
                continue
            if end is not None and group["date"] > end:
                continue
            if lastupdate is not None and group.get("modified", 0) < lastupdate:
                continue
            if types:
                measures = [m for m in group["measures"] if m["type"] in types]
                if not measures:
                    continue
                group = {**group, "measures": measures}
            selected.append(group)

        page = selected[offset : offset + self.page_size]
        more = offset + self.page_size < len(selected)
        body = {
            "updatetime": int(self.now()),
            "timezone": self.timezone,
            "measuregrps": page,
            "more": 1 if more else 0,
            "offset": offset + len(page) if more else 0,
        }
        return Response(200, {"status": 0, "body": body})


def _int_list(raw: str) -> set[int]:
    return {int(part) for part in raw.split(",") if part.strip()}
