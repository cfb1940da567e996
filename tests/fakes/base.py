"""A reusable fake HTTP server: real sockets on 127.0.0.1, a request log and a fault queue.

Vendor fakes subclass :class:`FakeServer` and implement :meth:`FakeServer.handle`. Client code
under test talks to ``server.url`` over real HTTP, so nothing is monkeypatched.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

JsonBody = bytes | str | Mapping[str, Any] | list[Any] | None


@dataclass(frozen=True)
class RecordedRequest:
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


@dataclass
class Response:
    status: int = 200
    body: JsonBody = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Fault:
    """A canned misbehaviour served instead of (or before) the real response.

    * ``delay`` sleeps first (use it to trip a client timeout); with ``passthrough=True`` the
      normal response follows the delay, otherwise the fault's own response does.
    * ``truncate_at`` cuts the encoded body to that many bytes and sends a matching
      Content-Length: a well-formed HTTP response carrying broken JSON.
    * ``short_read`` advertises the full Content-Length but closes after half the body.
    * ``disconnect`` closes the socket without sending any response at all.
    """

    status: int = 500
    body: JsonBody = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0
    passthrough: bool = False
    truncate_at: int | None = None
    short_read: bool = False
    disconnect: bool = False

    @classmethod
    def truncated_json(cls, payload: Mapping[str, Any], status: int = 200) -> Fault:
        encoded = json.dumps(payload).encode()
        return cls(status=status, body=encoded, truncate_at=max(1, len(encoded) // 2))

    @classmethod
    def timeout(cls, seconds: float, passthrough: bool = True) -> Fault:
        return cls(status=200, delay=seconds, passthrough=passthrough)

    @classmethod
    def html(cls, status: int = 502, text: str = "<html>Bad gateway</html>") -> Fault:
        return cls(status=status, body=text, content_type="text/html")


@dataclass
class _QueuedFault:
    prefix: str
    fault: Fault
    remaining: int
    method: str | None


def encode_body(body: JsonBody) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.server.owner._dispatch(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s %s", type(self.server.owner).__name__, format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeServer


class FakeServer:
    """Context manager running a threaded HTTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._clock_offset = 0.0
        self._lock = threading.RLock()
        self._faults: list[_QueuedFault] = []
        self._closing = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-server",
            daemon=True,
        )
        self._thread.start()
        self._closed = False
        logger.debug("%s listening on %s", type(self).__name__, self.url)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._closing.set()
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

    # -- time ------------------------------------------------------------------------------
    def now(self) -> float:
        return self._clock() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's notion of time forward (token expiry etc.)."""
        with self._lock:
            self._clock_offset += seconds

    # -- faults ----------------------------------------------------------------------------
    def inject(
        self, path_prefix: str, fault: Fault, times: int = 1, method: str | None = None
    ) -> None:
        """Serve ``fault`` to the next ``times`` requests whose path starts with the prefix."""
        with self._lock:
            self._faults.append(_QueuedFault(path_prefix, fault, times, method))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for queued in self._faults:
                if path.startswith(queued.prefix) and queued.method in (None, method):
                    queued.remaining -= 1
                    if queued.remaining <= 0:
                        self._faults.remove(queued)
                    return queued.fault
        return None

    # -- request log -----------------------------------------------------------------------
    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    # -- subclass hook ---------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        raise NotImplementedError

    # -- plumbing --------------------------------------------------------------------------
    def _dispatch(self, handler: _Handler) -> None:
        request = self._record(handler)
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            logger.info("%s fault on %s %s", type(self).__name__, request.method, request.path)
            if fault.delay and self._closing.wait(fault.delay):
                handler.close_connection = True
                return
            if fault.disconnect:
                handler.close_connection = True
                return
            if not fault.passthrough:
                self._write_fault(handler, fault)
                return
        try:
            response = self.handle(request)
        except Exception:
            logger.exception("%s handler crashed", type(self).__name__)
            response = Response(500, {"error": "fake server crashed"})
        self._write(
            handler,
            response.status,
            encode_body(response.body),
            response.content_type,
            response.headers,
        )

    def _record(self, handler: _Handler) -> RecordedRequest:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        form: dict[str, str] = {}
        ctype = handler.headers.get("Content-Type", "")
        if body and ctype.startswith("application/x-www-form-urlencoded"):
            form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        request = RecordedRequest(
            method=handler.command,
            path=unquote(parts.path),
            raw_path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            form=form,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(request)
        return request

    def _write_fault(self, handler: _Handler, fault: Fault) -> None:
        body = encode_body(fault.body)
        if fault.truncate_at is not None:
            body = body[: fault.truncate_at]
        if fault.short_read:
            handler.send_response(fault.status)
            handler.send_header("Content-Type", fault.content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in fault.headers.items():
                handler.send_header(name, value)
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.close_connection = True
            return
        self._write(handler, fault.status, body, fault.content_type, dict(fault.headers))

    @staticmethod
    def _write(
        handler: _Handler,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str],
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client went away before the response was written")
