"""Headless Chromium driven through the DevTools protocol over a pipe (standard library only).

``Browser`` starts the system Chromium with ``--remote-debugging-pipe`` (commands on fd 3,
replies and events on fd 4, JSON messages ending in a NUL byte) and ``Page`` drives one tab in
a flattened session: navigate, evaluate JavaScript, wait for a condition, and collect console
errors, uncaught exceptions and failed requests while it runs.

HTTP basic auth is answered like a user typing the password in the browser's prompt: the
browser-wide Fetch domain answers each 401 challenge, and Chromium then reuses the credentials
for the origin (so service workers and DuckDB's worker get them too). Requests sent without
credentials by design, like the web app manifest's, still get their 401.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None (``CHROMIUM`` overrides the search)."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class CdpError(RuntimeError):
    """A DevTools command failed, timed out, or the browser went away."""


@dataclass
class PageLog:
    """What a page reported while it was open."""

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


class Browser:
    """One headless Chromium process; use as a context manager."""

    def __init__(
        self, executable: str, window: tuple[int, int] = (1400, 1000), stderr: Any = None
    ) -> None:
        self._profile = tempfile.mkdtemp(prefix="fitelt-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def wire_fds() -> None:  # in the child: its fd 3 reads commands, fd 4 writes replies
            # Move both ends clear of 3/4 first: either may itself be fd 3 or 4.
            commands = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            replies = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--metrics-recording-only",
            "--mute-audio",
            f"--user-data-dir={self._profile}",
            f"--window-size={window[0]},{window[1]}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if stderr is None else stderr,
            pass_fds=(3, 4),  # kept open by the child after wire_fds
            preexec_fn=wire_fds,
            start_new_session=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._listeners: dict[str | None, list[Callable[[dict[str, Any]], None]]] = defaultdict(
            list
        )
        self._closed = False
        self._auth: tuple[str, str] | None = None
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.send("Browser.getVersion", timeout=30)

    # --- transport -------------------------------------------------------------------------

    def _read_loop(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = self._in.read(65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    self._dispatch(json.loads(raw))
        except (OSError, ValueError):
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            with self._cond:
                self._replies[message["id"]] = message
                self._cond.notify_all()
            return
        for listener in list(self._listeners.get(message.get("sessionId"), [])):
            listener(message)

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            try:
                self._out.write(json.dumps(message).encode() + b"\0")
            except OSError as exc:
                raise CdpError(f"{method}: browser pipe closed ({exc})") from exc
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                remaining = deadline - time.monotonic()
                if self._closed:
                    raise CdpError(f"{method}: the browser exited")
                if remaining <= 0:
                    raise CdpError(f"{method}: no answer within {timeout:.0f} s")
                self._cond.wait(remaining)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    def listen(self, session: str | None, callback: Callable[[dict[str, Any]], None]) -> None:
        self._listeners[session].append(callback)

    def answer_auth(self, credentials: tuple[str, str]) -> None:
        """Answer every HTTP auth challenge of the browser (service workers included)."""
        if self._auth is None:
            self.listen(None, self._on_fetch_event)
            self.send(
                "Fetch.enable", {"handleAuthRequests": True, "patterns": [{"urlPattern": "*"}]}
            )
        self._auth = credentials

    def _on_fetch_event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Fetch.requestPaused":
            body: dict[str, Any] = {"requestId": params["requestId"]}
            command = "Fetch.continueRequest"
        elif method == "Fetch.authRequired" and self._auth:
            command = "Fetch.continueWithAuth"
            body = {
                "requestId": params["requestId"],
                "authChallengeResponse": {
                    "response": "ProvideCredentials",
                    "username": self._auth[0],
                    "password": self._auth[1],
                },
            }
        else:
            return
        # Answered from another thread: this one is the reader that delivers the reply.
        threading.Thread(target=self._answer, args=(command, body), daemon=True).start()

    def _answer(self, command: str, body: dict[str, Any]) -> None:
        with contextlib.suppress(CdpError):
            self.send(command, body, timeout=10)

    # --- pages -----------------------------------------------------------------------------

    def new_page(self, basic_auth: tuple[str, str] | None = None) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        return Page(self, target, session, basic_auth)

    def close(self) -> None:
        with contextlib.suppress(CdpError):
            self.send("Browser.close", timeout=5)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, 9)
            self._proc.wait(timeout=10)
        for stream in (self._out, self._in):
            with contextlib.suppress(OSError):
                stream.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    """One tab; with ``basic_auth`` the browser answers the server's auth challenges."""

    def __init__(
        self, browser: Browser, target: str, session: str, basic_auth: tuple[str, str] | None
    ) -> None:
        self.browser = browser
        self.target = target
        self.session = session
        self.log = PageLog()
        self._urls: dict[str, str] = {}
        browser.listen(session, self._on_event)
        self.send("Runtime.enable")
        self.send("Page.enable")
        self.send("Network.enable")
        if basic_auth:
            browser.answer_auth(basic_auth)

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30.0):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def _on_event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(
                str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
            )
            self.log.console_errors.append(text)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exception = details.get("exception", {})
            self.log.exceptions.append(
                str(exception.get("description") or details.get("text") or details)
            )
        elif method == "Network.requestWillBeSent":
            self._urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.responseReceived":
            response = params.get("response", {})
            self.log.statuses[response.get("url", "")] = int(response.get("status", 0))
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            url = self._urls.get(params.get("requestId", ""), "?")
            self.log.failed_requests.append(f"{url}: {params.get('errorText')}")

    def goto(self, url: str, timeout: float = 30.0) -> None:
        result = self.send("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise CdpError(f"navigating to {url}: {result['errorText']}")
        self.wait_for("document.readyState === 'complete'", timeout=timeout)

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise CdpError(f"evaluating {expression[:80]!r}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 30.0, interval: float = 0.2) -> Any:
        """Poll a JavaScript expression until it is truthy; its value, or CdpError on timeout."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = self.evaluate(expression)
            if last:
                return last
            time.sleep(interval)
        raise CdpError(f"timed out after {timeout:.0f} s waiting for {expression!r} ({last!r})")

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1
            }  # fmt: skip
        data = self.send("Page.captureScreenshot", params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(CdpError):
            self.browser.send("Target.closeTarget", {"targetId": self.target}, timeout=10)
