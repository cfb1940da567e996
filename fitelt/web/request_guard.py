"""Which requests the report server answers at all: Host allow-list and cross-site writes.

* DNS rebinding: a page on `evil.example` whose name is re-pointed at 127.0.0.1 reaches a
  loopback server with `Host: evil.example`. Only the names the server is known by are
  answered (421 otherwise): `localhost`, `127.0.0.1` and `[::1]` with any port, the bind
  host when it is not a wildcard, the host of FITELT_PUBLIC_URL, and the comma-separated
  FITELT_ALLOWED_HOSTS (for a wildcard bind, a proxy or a LAN name).
* Cross-site writes: a mutating request (DELETE, POST, PUT, PATCH) whose `Origin` is not the
  server's own origin, or whose `Sec-Fetch-Site` is neither `same-origin` nor `none`, is refused
  (403), with or without a site password (browsers send cached basic-auth credentials
  cross-site too). Clients that send neither header (curl, scripts) are not browsers and pass.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

WILDCARDS = {"", "0.0.0.0", "::", "[::]", "*"}  # addresses that mean "every interface"
MUTATING = {"DELETE", "POST", "PUT", "PATCH"}
SAME_SITE_FETCHES = {"same-origin", "none"}


def host_name(host_header: str) -> str | None:
    """The lower-case host of a Host header ('[::1]:3001' -> '::1'); None when malformed."""
    value = host_header.strip().lower()
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        if not sep or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return name
    name, sep, port = value.rpartition(":")
    if sep and port.isdigit():
        value = name
    if not value or any(c in value for c in "/@ :\\"):
        return None
    return value.rstrip(".")


def _is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RequestGuard:
    """The allow-list of one server."""

    names: frozenset[str]

    @classmethod
    def for_bind(cls, bind_host: str, extra: str | None = None) -> RequestGuard:
        """Loopback + the bind host + FITELT_PUBLIC_URL's host + FITELT_ALLOWED_HOSTS."""
        names = set()
        if bind_host.strip().lower() not in WILDCARDS:
            names.add(host_name(bind_host) or bind_host.strip("[]").lower())
        public = os.environ.get("FITELT_PUBLIC_URL")
        if public and urlsplit(public).hostname:
            names.add(urlsplit(public).hostname.rstrip("."))
        listed = extra if extra is not None else os.environ.get("FITELT_ALLOWED_HOSTS", "")
        for item in listed.split(","):
            if item.strip() and (name := host_name(item)):
                names.add(name)
        return cls(frozenset(names))

    def refusal(self, method: str, headers: Mapping[str, str]) -> tuple[HTTPStatus, str] | None:
        """(status, reason) when the request must not be answered; None when it may go on."""
        host = headers.get("Host")
        if not self.host_allowed(host):
            return HTTPStatus.MISDIRECTED_REQUEST, (
                f"unknown host {str(host)[:80]!r}: this server answers localhost, its bind "
                "address and FITELT_ALLOWED_HOSTS"
            )
        if method not in MUTATING:
            return None
        fetch_site, origin = headers.get("Sec-Fetch-Site"), headers.get("Origin")
        if fetch_site is not None and fetch_site.strip().lower() not in SAME_SITE_FETCHES:
            return (
                HTTPStatus.FORBIDDEN,
                f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:40]})",
            )
        if origin is not None:
            parts = urlsplit(origin.strip())
            same = parts.netloc.lower() == str(host).strip().lower()
            if parts.scheme not in ("http", "https") or not same:
                return HTTPStatus.FORBIDDEN, f"cross-site request refused (Origin: {origin[:80]})"
        return None

    def host_allowed(self, host_header: str | None) -> bool:
        if not host_header:
            return False  # HTTP/1.1 requires it; browsers always send it
        name = host_name(host_header)
        return name is not None and (_is_loopback(name) or name in self.names)
