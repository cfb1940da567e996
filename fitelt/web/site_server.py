"""A small static server for the published report site (``<site_root>/current``).

Standard library only. It serves Evidence's static build: ``index.html`` for directories and
for extension-less page paths (``/weight`` -> ``weight/index.html``), single HTTP byte ranges
(DuckDB-wasm reads parquet files with range requests), HTTP basic auth as user ``fitelt``
when a password is set, and a 503 page while no release has been published. It refuses to
listen on a non-loopback address without a password, answers only the host names it is known
by, and refuses cross-site writes (``request_guard.py``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import logging
import mimetypes
import posixpath
import re
import socket
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from fitelt.web.request_guard import RequestGuard

logger = logging.getLogger(__name__)

USERNAME = "fitelt"
REALM = "Fitness ELT report"

ApiHandler = Callable[[BaseHTTPRequestHandler], bool]
"""Called after authentication for every request, before static files are looked up.

It gets the request handler (``command``, ``path``, ``headers``, ``rfile``; write the answer
with ``send_response``/``send_header``/``end_headers``/``wfile``) and returns True when it has
answered. Evidence's own build uses ``/api/...`` for static files, so pick another prefix.
"""

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".arrow": "application/vnd.apache.arrow.file",
    ".parquet": "application/octet-stream",
    ".txt": "text/plain; charset=utf-8",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024

_NOT_BUILT_PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Fitness ELT report</title></head>"
    b"<body><h1>Report site not built yet</h1>"
    b"<p>The report site has not been built yet. It appears after the first successful "
    b"report build.</p></body></html>\n"
)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def make_server(
    site_root: Path,
    host: str,
    port: int,
    password: str | None,
    api_handler: ApiHandler | None = None,
) -> ThreadingHTTPServer:
    """Create (bind, not start) the report server; call ``serve_forever()`` on the result.

    ``password`` None or empty means no authentication, which is only allowed on a loopback
    host; otherwise a ``ValueError`` is raised. Port 0 picks a free port
    (see ``server.server_address``).
    """
    password = password or None
    if password is None and not is_loopback(host):
        raise ValueError(
            f"refusing to serve the report site on non-loopback address {host!r} without a "
            "password: set a password (HTTP basic auth, user 'fitelt') or bind to 127.0.0.1"
        )
    handler = type(
        "ReportRequestHandler",
        (_ReportHandler,),
        {
            "site_root": Path(site_root).resolve(),
            "password": password,
            "api_handler": staticmethod(api_handler) if api_handler else None,
            "guard": RequestGuard.for_bind(host),
        },
    )
    server_class: type[ThreadingHTTPServer] = _ReportServer
    if ":" in host:
        server_class = type("ReportServerV6", (_ReportServer,), {})
        server_class.address_family = socket.AF_INET6
    server = server_class((host.strip("[]"), port), handler)
    server.daemon_threads = True
    bound_host, bound_port = server.server_address[:2]
    logger.info(
        "report server on http://%s:%s/ serving %s/current (auth: %s)",
        bound_host,
        bound_port,
        handler.site_root,
        "basic" if password else "none",
    )
    return server


class _ReportServer(ThreadingHTTPServer):
    """A browser that leaves a page mid-download is not an error: no traceback for it."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            logger.debug("client %s went away mid-answer", client_address)
            return
        super().handle_error(request, client_address)


class _ReportHandler(BaseHTTPRequestHandler):
    site_root: Path
    password: str | None
    api_handler: ApiHandler | None
    guard: RequestGuard
    server_version = "FiteltReport/1"
    sys_version = ""

    # --- request entry points -------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._handle(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(head=True)

    def do_POST(self) -> None:  # noqa: N802
        self._handle_other()

    def do_PUT(self) -> None:  # noqa: N802
        self._handle_other()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle_other()

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle_other()

    def _handle_other(self) -> None:
        if not self._welcome() or not self._authorized():
            return
        if self.api_handler is not None and self.api_handler(self):
            return
        self._send_text(
            HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed\n", {"Allow": "GET, HEAD"}
        )

    def _handle(self, head: bool) -> None:
        if not self._welcome() or not self._authorized():
            return
        if self.api_handler is not None and self.api_handler(self):
            return
        root = self._current_release()
        if root is None:
            self._send_bytes(
                HTTPStatus.SERVICE_UNAVAILABLE,
                _NOT_BUILT_PAGE,
                "text/html; charset=utf-8",
                head,
                {"Retry-After": "60", "Cache-Control": "no-store"},
            )
            return
        rel = self._safe_relative_path()
        if rel is None:
            self._send_text(HTTPStatus.BAD_REQUEST, "bad request path\n", head=head)
            return
        target = self._resolve(root, rel)
        if target is None:
            self._send_text(HTTPStatus.NOT_FOUND, "not found\n", head=head)
            return
        self._send_file(target, rel, head)

    # --- who may ask ------------------------------------------------------------------------

    def _welcome(self) -> bool:
        """False (answered 421/403) for an unknown Host or a cross-site write."""
        refusal = self.guard.refusal(self.command, self.headers)
        if refusal is None:
            return True
        status, message = refusal
        head = self.command == "HEAD"
        if urlsplit(self.path).path.startswith("/v1"):  # the API answers JSON
            body = json.dumps({"error": message}).encode()
            self._send_bytes(status, body, "application/json", head, {"Cache-Control": "no-store"})
        else:
            self._send_text(status, message + "\n", head=head)
        return False

    # --- authentication --------------------------------------------------------------------

    def _authorized(self) -> bool:
        if self.password is None:
            return True
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        ok = False
        if scheme.lower() == "basic" and encoded:
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                decoded = b""
            user, sep, given = decoded.partition(b":")
            user_ok = hmac.compare_digest(user, USERNAME.encode())
            password_ok = hmac.compare_digest(given, self.password.encode("utf-8"))
            ok = bool(sep) and user_ok and password_ok
        if not ok:
            self._send_text(
                HTTPStatus.UNAUTHORIZED,
                "authentication required\n",
                {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
                head=self.command == "HEAD",
            )
        return ok

    # --- path handling ---------------------------------------------------------------------

    def _current_release(self) -> Path | None:
        current = self.site_root / "current"
        try:
            root = current.resolve(strict=True)
        except (FileNotFoundError, RuntimeError, OSError):
            return None
        return root if root.is_dir() else None

    def _safe_relative_path(self) -> str | None:
        """The URL path as a relative POSIX path, or None when it tries to leave the site."""
        raw = urlsplit(self.path).path
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        if not path.startswith("/") or "\x00" in path or "\\" in path:
            return None
        parts = path.split("/")
        if any(part in ("..", ".") for part in parts):
            return None
        return posixpath.normpath(path).lstrip("/") if path != "/" else ""

    @staticmethod
    def _resolve(root: Path, rel: str) -> Path | None:
        candidate = root / rel if rel else root
        candidates = [candidate]
        if candidate.is_dir():
            candidates = [candidate / "index.html"]
        elif not candidate.suffix:
            candidates.append(candidate.with_name(candidate.name + ".html"))
            candidates.append(candidate / "index.html")
        for option in candidates:
            try:
                real = option.resolve(strict=True)
            except (FileNotFoundError, OSError, RuntimeError):
                continue
            if real.is_file() and real.is_relative_to(root):
                return real
        return None

    # --- responses -------------------------------------------------------------------------

    def _send_file(self, target: Path, rel: str, head: bool) -> None:
        size = target.stat().st_size
        content_type = _CONTENT_TYPES.get(target.suffix.lower()) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        immutable = rel.startswith("_app/immutable/")
        cache = "max-age=31536000, immutable" if immutable else "no-cache"
        cache = ("private, " if self.password else "public, ") + cache
        start, end = 0, size - 1
        status = HTTPStatus.OK
        range_header = self.headers.get("Range")
        if range_header and size > 0:
            parsed = self._parse_range(range_header, size)
            if parsed is None:
                self._send_text(
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    "range not satisfiable\n",
                    {"Content-Range": f"bytes */{size}"},
                    head=head,
                )
                return
            if parsed != (0, size - 1):
                start, end = parsed
                status = HTTPStatus.PARTIAL_CONTENT
        length = end - start + 1 if size else 0
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", cache)
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self._security_headers()
        self.end_headers()
        if head or length == 0:
            return
        with open(target, "rb") as handle:
            handle.seek(start)
            remaining = length
            while remaining > 0:
                chunk = handle.read(min(_CHUNK, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)

    @staticmethod
    def _parse_range(header: str, size: int) -> tuple[int, int] | None:
        """One ``bytes=a-b`` range (multiple ranges are answered with the whole file)."""
        if "," in header:
            return (0, size - 1)
        match = _RANGE.match(header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            return None
        first, last = match.group(1), match.group(2)
        if not first:  # suffix range: the last N bytes
            n = int(last)
            return None if n == 0 else (max(0, size - n), size - 1)
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if start >= size or end < start:
            return None
        return (start, end)

    def _security_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "SAMEORIGIN")

    def _send_bytes(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        head: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self._security_headers()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_text(
        self,
        status: HTTPStatus,
        text: str,
        headers: dict[str, str] | None = None,
        head: bool = False,
    ) -> None:
        self._send_bytes(status, text.encode(), "text/plain; charset=utf-8", head, headers)

    # --- logging ---------------------------------------------------------------------------

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        logger.info("%s %s", self.address_string(), format % args)

    def log_error(self, format: str, *args: object) -> None:  # noqa: A002
        logger.warning("%s %s", self.address_string(), format % args)
