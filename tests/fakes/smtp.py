"""A tiny SMTP sink on 127.0.0.1: accepts every message and keeps it for the test to inspect.

Speaks just enough ESMTP for `smtplib` (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); no
TLS, no AUTH. `fail_next` makes the next DATA fail with a 451, like a server having a moment.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socketserver
import threading
from email.message import EmailMessage

from dlt_sources.simulators.http import LocalServer

logger = logging.getLogger(__name__)


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 sink.local ESMTP test sink")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            command = raw.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self._reply("250-sink.local")
                self._reply("250 8BITMIME")
            elif verb == "HELO":
                self._reply("250 sink.local")
            elif verb == "MAIL":
                sender, recipients = command.partition(":")[2].strip(), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                body = self._read_data()
                if self.server.owner.take_failure():
                    self._reply("451 try again later")
                    continue
                self.server.owner.received(sender, recipients, body)
                self._reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")

    def _read_data(self) -> bytes:
        lines = []
        while True:
            line = self.rfile.readline(1 << 20)
            if not line or line in (b".\r\n", b".\n"):
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: SmtpSink


class SmtpSink(LocalServer):
    """The sink on 127.0.0.1:`port`; socket, thread and stop are the shared `LocalServer`."""

    server_class = _Server
    handler_class = _Session

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str | None, list[str]]] = []
        self._lock = threading.Lock()
        self._failures = 0
        super().__init__("127.0.0.1", 0, poll_interval=0.05)

    def fail_next(self, times: int = 1) -> None:
        with self._lock:
            self._failures += times

    def take_failure(self) -> bool:
        with self._lock:
            if self._failures:
                self._failures -= 1
                return True
            return False

    def received(self, sender: str | None, recipients: list[str], body: bytes) -> None:
        message = email.message_from_bytes(body, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((sender, recipients))
