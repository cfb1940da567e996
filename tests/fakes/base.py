"""A reusable fake HTTP server: real sockets on 127.0.0.1, a request log and a fault queue.

Vendor fakes subclass :class:`FakeServer` and implement :meth:`FakeServer.handle`. Client code
under test talks to ``server.url`` over real HTTP, so nothing is monkeypatched. The socket,
thread, request parsing and replies are the simulators' :class:`LocalServer`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlt_sources.simulators.http import Handler, JsonBody, LocalServer, encode_body
from dlt_sources.simulators.http import Request as RecordedRequest

__all__ = ["FakeServer", "Fault", "JsonBody", "RecordedRequest", "Response", "encode_body"]

logger = logging.getLogger(__name__)


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


class FakeServer(LocalServer):
    """Context manager running a threaded HTTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._clock_offset = 0.0
        self._lock = threading.RLock()
        self._faults: list[_QueuedFault] = []
        self.requests: list[RecordedRequest] = []
        super().__init__("127.0.0.1", 0, poll_interval=0.05)

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
    def dispatch(self, handler: Handler) -> None:
        request = handler.read_request()
        with self._lock:
            self.requests.append(request)
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            logger.info("%s fault on %s %s", type(self).__name__, request.method, request.path)
            if fault.delay and self.closing.wait(fault.delay):
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
        handler.reply(
            response.status, encode_body(response.body), response.content_type, response.headers
        )

    @staticmethod
    def _write_fault(handler: Handler, fault: Fault) -> None:
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
        handler.reply(fault.status, body, fault.content_type, fault.headers)
