"""The OAuth2 refresh-token client every vendor API client builds on.

One policy for all vendors: an access token with less than REFRESH_MARGIN_S left is refreshed
before use; a rotated refresh token is written to the TokenStore before the new access token
is used (a crash in between never leaves the store holding a dead refresh token); a refused
refresh marks the grant "needs reconnect"; a call refused with an invalid access token is
retried once with a refreshed one. Subclasses supply the vendor's token request
(`_request_refresh`) and how its answers say "unauthorised" (the `refused` of `_authorised`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn, TypeVar

import requests

from .errors import NeedsReconnect
from .token_store import TokenStore

log = logging.getLogger(__name__)

REFRESH_MARGIN_S = 300.0  # refresh when the access token has less than this left
API_RETRIES = 4  # attempts per request on 5xx, timeouts and cut bodies
BACKOFF_BASE_S = 1.0  # 1, 2, 4 s between attempts
HTTP_TIMEOUT_S = (5.0, 30.0)  # connect, read
Answer = TypeVar("Answer")


@dataclass
class OAuth2Client:
    """One athlete's grant at one vendor; tokens live in the encrypted store."""

    source: ClassVar[str]  # the TokenStore key and `fitelt connect <source>`
    vendor: ClassVar[str]  # the name in messages
    token_lifetime_s: ClassVar[float]  # an access token's life when an answer omits it
    unavailable: ClassVar[type[Exception]]  # raised when the API keeps failing (5xx, timeouts)

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

    # --- vendor hooks ----------------------------------------------------------------------
    def _request_refresh(self, refresh_token: str) -> dict[str, Any]:
        """The vendor's token answer for a refresh; `self._revoked(...)` when it refuses."""
        raise NotImplementedError

    def _token_fields(self, body: dict[str, Any], refresh_token: str) -> dict[str, Any]:
        """What a token answer changes in the stored document."""
        if body.get("expires_at"):
            expires_at = float(body["expires_at"])
        else:
            lifetime = body.get("expires_in")
            lifetime = self.token_lifetime_s if lifetime is None else float(lifetime)
            expires_at = time.time() + lifetime
        return {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token") or refresh_token,
            "expires_at": expires_at,
        }

    def _refused_after_refresh(self, answer: Any) -> NoReturn:
        """A freshly refreshed access token was refused too: the grant cannot serve us."""
        self._revoked("access token refused after a refresh")

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
                raise self.unavailable(
                    f"{self.vendor} {path}: {what}; gave up after {attempt} attempts"
                )
            wait = BACKOFF_BASE_S * 2 ** (attempt - 1)
            log.warning(
                "%s %s: %s; retrying in %.0f s (attempt %d)", self.vendor, path, what, wait, attempt
            )
            self.sleep(wait)
        raise AssertionError("unreachable")

    # --- tokens ----------------------------------------------------------------------------
    @property
    def reconnect_hint(self) -> str:
        return f"reconnect with `fitelt connect {self.source}`"

    def _tokens(self) -> dict[str, Any]:
        tokens = self.store.get(self.source, self.athlete_id)
        if not tokens or not tokens.get("refresh_token"):
            raise NeedsReconnect(f"no {self.vendor} grant stored for athlete {self.athlete_id}")
        if tokens.get("needs_reconnect"):
            raise NeedsReconnect(
                f"{self.vendor} grant for {self.athlete_id}: {tokens['needs_reconnect']}"
            )
        return tokens

    def access_token(self, *, force_refresh: bool = False) -> str:
        """A usable access token: the stored one, or a refreshed one when it is about to expire."""
        tokens = self._tokens()
        expires_at = float(tokens.get("expires_at") or 0)
        fresh = tokens.get("access_token") and expires_at > time.time() + REFRESH_MARGIN_S
        if fresh and not force_refresh:
            return str(tokens["access_token"])
        return self._refresh(tokens)

    def _refresh(self, tokens: dict[str, Any]) -> str:
        body = self._request_refresh(str(tokens["refresh_token"]))
        document = {k: v for k, v in tokens.items() if k != "needs_reconnect"}
        document.update(self._token_fields(body, str(tokens["refresh_token"])))
        # Rotation: the new refresh token replaces the old one, persisted before any use.
        self.store.put(self.source, self.athlete_id, document)
        log.info("refreshed %s access token for athlete %s", self.vendor, self.athlete_id)
        return str(document["access_token"])

    def _refresh_form(self, refresh_token: str) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": refresh_token,
        }

    def _revoked(self, reason: str) -> NoReturn:
        """Mark the grant "needs reconnect" (runs stop asking) and stop this one."""
        reason = f"{reason}: {self.reconnect_hint}"
        self.store.mark_needs_reconnect(self.source, self.athlete_id, reason)
        raise NeedsReconnect(reason)

    # --- calls -----------------------------------------------------------------------------
    def _authorised(
        self, send: Callable[[str], Answer], refused: Callable[[Answer], bool]
    ) -> Answer:
        """`send(access_token)`, once more with a refreshed token when the answer is `refused`."""
        answer = send(self.access_token())
        if not refused(answer):
            return answer
        answer = send(self.access_token(force_refresh=True))
        if refused(answer):
            self._refused_after_refresh(answer)
        return answer
