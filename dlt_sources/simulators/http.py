"""Threaded HTTP servers on a loopback address, shared by the simulators and the test fakes.

`LocalServer` owns the listening socket (port 0 picks a free one), the background thread,
start/stop, request parsing and replies; a subclass implements `dispatch(handler)`.
`JsonServer` serves a GET route function (the simulators); `tests/fakes` builds its vendor
fakes (and, with another handler, its SMTP sink) on `LocalServer` too.
"""

from __future__ import annotations

import json
import logging
import socketserver
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

JsonBody = bytes | str | Mapping[str, Any] | list[Any] | None
Route = Callable[[str, dict[str, str]], tuple[int, Any]]
"""(path, query) → (HTTP status, JSON-serialisable body) for a GET request."""


@dataclass(frozen=True)
class Request:
    """One request as the server saw it. Multi-valued params keep their last value."""

    method: str
    path: str  # percent-decoded path, no query string
    raw_path: str  # path exactly as sent (still percent-encoded)
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]  # header names lower-cased
    body: bytes

    @property
    def params(self) -> dict[str, str]:
        """Query and form merged (form wins), the way form-or-query APIs read them."""
        return {**self.query, **self.form}


def _last_values(text: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def encode_body(body: JsonBody) -> bytes:
    """Bytes and text as they are, anything else as JSON; None is an empty body."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


class Handler(BaseHTTPRequestHandler):
    """Hands every request to the owning server's `dispatch`."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self.server.owner.dispatch(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815

    def read_request(self) -> Request:
        """Parse the request line, headers and (form) body; reads the body off the socket."""
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        ctype = self.headers.get("Content-Type", "")
        is_form = body and ctype.startswith("application/x-www-form-urlencoded")
        return Request(
            method=self.command,
            path=unquote(parts.path),
            raw_path=parts.path,
            query=_last_values(parts.query),
            form=_last_values(body.decode()) if is_form else {},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """A complete response; a client that went away meanwhile is only logged."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away before the response was written")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
        owner = self.server.owner
        owner.request_log.debug(
            "%s %s %s", type(owner).__name__, self.address_string(), format % args
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LocalServer


class LocalServer:
    """A threaded HTTP server on host:port, serving from a background thread until `close`.

    Another protocol: set `server_class` (a threading TCP server) and `handler_class`; its
    handlers reach this object as `self.server.owner`.
    """

    server_class: ClassVar[type[socketserver.TCPServer]] = _Server
    handler_class: ClassVar[type[socketserver.BaseRequestHandler]] = Handler

    def __init__(self, host: str = "127.0.0.1", port: int = 0, poll_interval: float = 0.1) -> None:
        self.closing = threading.Event()  # set by `close`: long waits in handlers end early
        self.request_log = logging.getLogger(type(self).__module__)  # the subclass's logger
        self._closed = False
        self._server = self.server_class((host, port), self.handler_class)
        self._server.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name=f"{type(self).__name__}-http",
            daemon=True,
        )
        self._thread.start()
        self.request_log.debug("%s listening on %s", type(self).__name__, self.url)

    def dispatch(self, handler: Handler) -> None:
        """Answer one request (`handler.read_request()`, then `handler.reply(...)`)."""
        raise NotImplementedError

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]!s}:{self.port}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
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


class JsonServer(LocalServer):
    """Serve `route` for GET requests on host:port (port 0 picks a free one)."""

    def __init__(self, route: Route, host: str = "127.0.0.1", port: int = 0) -> None:
        self._route = route
        super().__init__(host, port)

    def dispatch(self, handler: Handler) -> None:
        if handler.command != "GET":
            handler.send_error(
                HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({handler.command!r})"
            )
            return
        request = handler.read_request()
        try:
            status, body = self._route(request.raw_path, request.query)
        except Exception:  # a simulator bug must not kill the server thread
            log.exception("simulator route %s failed", request.raw_path)
            status, body = 500, {"error": "simulator error"}
        handler.reply(status, json.dumps(body).encode())


def int_param(query: Mapping[str, str], name: str, default: int) -> int | None:
    """A non-negative integer query parameter; None when it is not one."""
    text = query.get(name)
    if text is None or text == "":
        return default
    return int(text) if text.isdigit() else None
