"""A tiny threaded JSON server on a loopback address, shared by the simulators."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

Route = Callable[[str, dict[str, str]], tuple[int, Any]]
"""(path, query) → (HTTP status, JSON-serialisable body) for a GET request."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            status, body = self.server.route(parts.path, query)
        except Exception:  # a simulator bug must not kill the server thread
            log.exception("simulator route %s failed", parts.path)
            status, body = 500, {"error": "simulator error"}
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        log.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    route: Route


class JsonServer:
    """Serve `route` on host:port (port 0 picks a free one) in a background thread."""

    def __init__(self, route: Route, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = _Server((host, port), _Handler)
        self._httpd.route = route
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="simulator-http",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def int_param(query: Mapping[str, str], name: str, default: int) -> int | None:
    """A non-negative integer query parameter; None when it is not one."""
    text = query.get(name)
    if text is None or text == "":
        return default
    return int(text) if text.isdigit() else None
