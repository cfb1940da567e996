"""Fake Oura API v2: ``POST /oauth/token`` and ``GET /v2/usercollection/{sleep,daily_readiness}``.

Behaviour follows cloud.ouraring.com/v2/docs and its error-handling page: collections answer
``{"data": [...], "next_token": str | null}`` and page with an opaque ``next_token``; errors are
RFC 7807 (``{"status", "title", "detail"}``), token errors RFC 6749 (``{"error": ...}``); a
refresh token works once (every refresh returns a new one, the old one dies); access tokens
live a day; over the rate limit (5000 requests per 5 minutes) requests get 429.

Date filters copy what users of the real API observe: sleep periods are filtered by ``day``
with the start excluded (``start_date < day <= end_date``), daily documents by a timestamp with
the end excluded (``start_date <= day < end_date``).
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from .base import FakeServer, RecordedRequest, Response
from .oura_data import demo_oura_documents, make_oura_readiness, make_oura_sleep

__all__ = ["FakeOura", "demo_oura_documents", "make_oura_readiness", "make_oura_sleep"]

logger = logging.getLogger(__name__)

DEFAULT_USER = "default"
COLLECTIONS = {
    "/v2/usercollection/sleep": "sleep",
    "/v2/usercollection/daily_readiness": "daily_readiness",
}


def problem(status: int, title: str, detail: str | None = None) -> dict[str, Any]:
    """An RFC 7807 error body as Oura sends it."""
    body: dict[str, Any] = {"status": status, "title": title}
    if detail:
        body["detail"] = detail
    return body


def rate_limited() -> dict[str, Any]:
    return problem(429, "Request Rate Limit Exceeded.")


class FakeOura(FakeServer):
    """Oura OAuth2 + the sleep and daily readiness collections of its users: the default
    user (``documents``, ``refresh_token``) and any added with :meth:`add_user`."""

    def __init__(
        self,
        documents: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        *,
        page_size: int = 50,
        client_id: str = "oura-client-id",
        client_secret: str = "oura-client-secret",
        refresh_token: str = "oura-refresh-0",
        access_token: str = "oura-access-0",
        authorization_code: str | None = "oura-auth-code",
        access_ttl: int = 86_400,
        rate_limit: int = 5_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock=clock)
        self.page_size = page_size
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.rate_limit = rate_limit
        self.window_requests = 0
        self.refresh_count = 0
        self._seq = itertools.count(1)
        # Per Oura user: documents by collection and id; tokens and codes say whose they are.
        self._docs: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        self._refresh: dict[str, str] = {}  # live refresh token -> user
        self._access: dict[str, tuple[float, str]] = {}  # access token -> (expiry, user)
        self._codes: dict[str, str] = {}  # unused authorization code -> user
        self._current: dict[str, tuple[str | None, str]] = {}  # user -> (refresh, access)
        self.add_user(DEFAULT_USER, documents, refresh_token=refresh_token)
        with self._lock:
            self._access = {access_token: (self.now() + access_ttl, DEFAULT_USER)}
            self._current[DEFAULT_USER] = (refresh_token, access_token)
            if authorization_code:
                self._codes[authorization_code] = DEFAULT_USER

    # -- test controls ---------------------------------------------------------------------
    def add_user(
        self,
        user: str,
        documents: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        *,
        refresh_token: str | None = None,
    ) -> str:
        """Another Oura account with its documents and a live refresh token (returned)."""
        token = refresh_token or f"oura-refresh-{user}-{secrets.token_hex(4)}"
        with self._lock:
            self._docs[user] = {"sleep": {}, "daily_readiness": {}}
            self._refresh[token] = user
            self._current[user] = (token, "")
        for collection, items in (documents or {}).items():
            self.put(collection, items, user=user)
        return token

    def put(
        self, collection: str, documents: Iterable[Mapping[str, Any]], user: str = DEFAULT_USER
    ) -> None:
        """Add or replace documents (by id): how Oura revises a day."""
        with self._lock:
            for document in documents:
                self._docs[user][collection][str(document["id"])] = dict(document)

    def remove(self, collection: str, document_id: str, user: str = DEFAULT_USER) -> None:
        with self._lock:
            del self._docs[user][collection][document_id]

    def documents(self, collection: str, user: str = DEFAULT_USER) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(d) for d in self._docs[user][collection].values()]

    def refresh_token_of(self, user: str = DEFAULT_USER) -> str | None:
        with self._lock:
            return self._current[user][0]

    def access_token_of(self, user: str = DEFAULT_USER) -> str:
        with self._lock:
            return self._current[user][1]

    @property
    def current_refresh_token(self) -> str | None:
        return self.refresh_token_of(DEFAULT_USER)

    @property
    def current_access_token(self) -> str:
        return self.access_token_of(DEFAULT_USER)

    def expire_access_token(self, token: str | None = None) -> None:
        with self._lock:
            token = token or self._current[DEFAULT_USER][1]
            self._access[token] = (self.now() - 1, self._access[token][1])

    def revoke(self, user: str = DEFAULT_USER) -> None:
        """The user revoked the app: every token dies, a refresh answers invalid_grant."""
        with self._lock:
            self._access = {t: v for t, v in self._access.items() if v[1] != user}
            self._refresh = {t: u for t, u in self._refresh.items() if u != user}
            self._current[user] = (None, "")

    def reset_rate_window(self) -> None:
        with self._lock:
            self.window_requests = 0

    def issue_authorization_code(self, user: str = DEFAULT_USER) -> str:
        code = f"oura-code-{next(self._seq)}"
        with self._lock:
            self._codes[code] = user
        return code

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        collection = COLLECTIONS.get(request.path)
        if collection is None or request.method != "GET":
            return Response(404, problem(404, "Not Found"))
        with self._lock:
            self.window_requests += 1
            over = self.window_requests > self.rate_limit
        if over:
            return Response(429, rate_limited())
        user = self._user_of(request)
        if user is None:
            return Response(401, problem(401, "Unauthorized", "Invalid or expired access token"))
        return self._list(collection, user, request)

    def _user_of(self, request: RecordedRequest) -> str | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        with self._lock:
            expires, user = self._access.get(token, (0.0, None))
        return user if expires > self.now() else None

    def _token(self, request: RecordedRequest) -> Response:
        form = request.form
        client = (form.get("client_id"), form.get("client_secret"))
        if client != (self.client_id, self.client_secret):
            return Response(401, {"error": "invalid_client", "error_description": "bad client"})
        grant = form.get("grant_type")
        with self._lock:
            if grant == "refresh_token":
                user = self._refresh.pop(form.get("refresh_token") or "", None)  # single use
                if user is None:
                    detail = "Token already used or revoked"
                    return Response(400, {"error": "invalid_grant", "error_description": detail})
                self.refresh_count += 1
            elif grant == "authorization_code":
                user = self._codes.pop(form.get("code") or "", None)
                if user is None:
                    return Response(400, {"error": "invalid_grant", "error_description": "code"})
            else:
                return Response(400, {"error": "unsupported_grant_type"})
            n = next(self._seq)
            refresh = f"oura-refresh-{n}-{secrets.token_hex(4)}"
            access = f"oura-access-{n}-{secrets.token_hex(4)}"
            self._refresh[refresh] = user
            self._access[access] = (self.now() + self.access_ttl, user)
            self._current[user] = (refresh, access)
        body = {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self.access_ttl,
            "refresh_token": refresh,
        }
        return Response(200, body)

    def _list(self, collection: str, user: str, request: RecordedRequest) -> Response:
        q = request.query
        try:
            start = date.fromisoformat(q["start_date"])
            end = date.fromisoformat(q["end_date"])
        except (KeyError, ValueError):
            return Response(400, problem(400, "Query parameter validation error", "dates"))
        if start > end:
            return Response(400, problem(400, "Start date is greater than end date"))
        offset = 0
        if q.get("next_token"):
            try:
                page = json.loads(base64.urlsafe_b64decode(q["next_token"]))
                offset = int(page["offset"])
            except (ValueError, KeyError, TypeError):
                return Response(400, problem(400, "Invalid next_token"))
        with self._lock:
            items = [dict(d) for d in self._docs[user][collection].values()]
        if collection == "sleep":
            items = [d for d in items if start < date.fromisoformat(d["day"]) <= end]
        else:
            items = [d for d in items if start <= date.fromisoformat(d["day"]) < end]
        items.sort(key=lambda d: (d["day"], str(d.get("bedtime_start", "")), d["id"]))
        chunk = items[offset : offset + self.page_size]
        next_offset = offset + self.page_size
        token = None
        if next_offset < len(items):
            token = base64.urlsafe_b64encode(json.dumps({"offset": next_offset}).encode()).decode()
        return Response(200, {"data": chunk, "next_token": token})
