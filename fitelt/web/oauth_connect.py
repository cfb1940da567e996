"""OAuth2 authorization-code flow for `fitelt connect`: URL, code capture, token exchange."""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from dlt_sources.common.token_store import TokenStore
from dlt_sources.oura import settings as oura_settings
from dlt_sources.strava import settings as strava_settings
from dlt_sources.withings import settings as withings_settings

log = logging.getLogger(__name__)


class ConnectError(RuntimeError):
    """The provider refused the code or the app credentials; the message holds no secret."""


@dataclass(frozen=True)
class Provider:
    """How one vendor spells the authorization-code flow."""

    name: str
    authorize_url: str
    token_path: str
    scope: str
    extra_form: tuple[tuple[str, str], ...] = ()

    def authorization_url(self, client_id: str, redirect_uri: str, state: str) -> str:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope,
            "state": state,
        }
        if self.name == "strava":
            query["approval_prompt"] = "auto"
        return f"{self.authorize_url}?{urlencode(query)}"


PROVIDERS = {
    "withings": Provider(
        "withings",
        withings_settings.AUTHORIZE_URL,
        withings_settings.TOKEN_PATH,
        withings_settings.SCOPES,
        (("action", "requesttoken"),),
    ),
    "strava": Provider(
        "strava",
        strava_settings.AUTHORIZE_URL,
        strava_settings.TOKEN_PATH,
        strava_settings.SCOPES,
    ),
    "oura": Provider(
        "oura",
        oura_settings.AUTHORIZE_URL,
        oura_settings.TOKEN_PATH,
        oura_settings.SCOPES,
    ),
}


def exchange_code(
    provider: Provider,
    *,
    api_base: str,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
) -> dict[str, Any]:
    """Trade an authorization code for tokens; returns the document the TokenStore keeps."""
    form = {
        **dict(provider.extra_form),
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": redirect_uri,
    }
    response = requests.post(api_base.rstrip("/") + provider.token_path, data=form, timeout=30)
    try:
        payload = response.json()
    except ValueError as exc:
        raise ConnectError(
            f"{provider.name}: token endpoint answered HTTP {response.status_code}"
        ) from exc
    if provider.name == "withings":  # errors come as HTTP 200 with a non-zero status
        if payload.get("status") != 0:
            raise ConnectError(f"withings refused the code (status {payload.get('status')})")
        payload = payload["body"]
    elif response.status_code != 200:
        raise ConnectError(f"{provider.name} refused the code (HTTP {response.status_code})")
    expires_at = payload.get("expires_at") or time.time() + float(payload.get("expires_in", 0))
    return {
        "access_token": payload["access_token"],
        "refresh_token": payload["refresh_token"],
        "expires_at": float(expires_at),
        "scope": payload.get("scope"),
    }


def capture_redirect(port: int, state: str, timeout_s: float = 300) -> str:
    """Serve one request on 127.0.0.1:port and return the `code` of a matching redirect."""
    result: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            query = parse_qs(urlsplit(self.path).query)
            ok = query.get("state", [""])[0] == state and "code" in query
            if ok:
                result["code"] = query["code"][0]
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            message = "Connected: you can close this tab." if ok else "Unexpected request."
            self.wfile.write(message.encode())

        def log_message(self, *args: Any) -> None:  # the query holds the code: never log it
            return

    server = HTTPServer(("127.0.0.1", port), Handler)
    server.timeout = 1
    deadline = time.time() + timeout_s
    try:
        while "code" not in result and time.time() < deadline:
            server.handle_request()
    finally:
        server.server_close()
    if "code" not in result:
        raise ConnectError(f"no redirect with a code reached 127.0.0.1:{port} in {timeout_s:.0f}s")
    return result["code"]


def connect(
    provider_name: str,
    *,
    athlete_id: str,
    store: TokenStore,
    api_base: str,
    client_id: str,
    client_secret: str,
    code: str | None,
    redirect_port: int,
    announce: Any,
) -> None:
    """Run the flow and store the tokens encrypted; clears any "needs reconnect" mark."""
    provider = PROVIDERS[provider_name]
    redirect_uri = f"http://localhost:{redirect_port}/callback"
    state = secrets.token_urlsafe(16)
    announce(provider.authorization_url(client_id, redirect_uri, state))
    if code is None:
        code = capture_redirect(redirect_port, state)
    tokens = exchange_code(
        provider,
        api_base=api_base,
        client_id=client_id,
        client_secret=client_secret,
        code=code,
        redirect_uri=redirect_uri,
    )
    store.put(provider_name, athlete_id, tokens)
    log.info("%s connected for athlete %s; tokens stored encrypted", provider_name, athlete_id)
