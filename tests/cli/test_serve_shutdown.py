"""`fitelt serve` stopped by Ctrl-C ends everything it started, within a bound.

SIGTERM with a run in its ops is covered by tests/reliability/test_concurrent_runs.py (the bike
stream test stops its serve that way): one serve start each, as a serve costs about a minute.

Real processes: the `fitelt serve` console script with its Dagster code server, webserver,
daemon and run workers (the embedded simulators make the daemon's live-stream sensors launch
runs within seconds). The processes of one serve are recognised by a variable the test puts in
its environment, which every descendant inherits, even once re-parented to init; other tests
and people run Dagster processes on the same machine.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from fitelt.warehouse import ConnInfo
from tests.conftest import query

logger = logging.getLogger(__name__)

FITELT = Path(sys.executable).parent / "fitelt"
TREE_VAR = "FITELT_TEST_SERVE_TREE"
STARTUP_S = 150  # the webserver needs 10-50 s on 2 busy cores
STOP_BOUND_S = 40  # fitelt serve: 20 s grace + 5 s for the code server + margin
ACTIVE = ("STARTING", "STARTED", "CANCELING")
KINDS = [
    ("multiprocessing.spawn", "run worker"),
    ("multiprocessing.resource_tracker", "resource tracker"),
    ("watch_orphans", "log watcher"),
    ("dagster api grpc", "code server"),
    ("dagster code-server", "code server proxy"),
]


def _tree(tag: str) -> dict[int, str]:
    """pid → command line of every live process whose environment carries the test's tag."""
    marker = f"{TREE_VAR}={tag}".encode()
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
            if stat[stat.rindex(b")") + 2 :].startswith(b"Z"):
                continue  # a zombie is an exit status waiting to be read, not a process
            if marker in Path(entry.path, "environ").read_bytes().split(b"\0"):
                cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(entry.name)] = cmdline.decode(errors="replace").strip()
        except OSError:  # gone meanwhile
            continue
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_for(what: str, check: Callable[[], bool], serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while not check():
        if serve.poll() is not None:
            pytest.fail(f"fitelt serve exited ({serve.returncode}):\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {STARTUP_S} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    logger.info("%s after %.0f s", what, time.monotonic() - deadline + STARTUP_S)


def _kinds(tree: dict[int, str]) -> dict[str, int]:
    """How many processes of each kind: {"run worker": 2, "dagster-daemon": 1, …}."""
    kinds: dict[str, int] = {}
    for cmd in tree.values():
        programs = [w for w in cmd.split(" ") if not Path(w).name.startswith("python")]
        default = Path(programs[0]).name if programs else "?"
        kind = next((kind for part, kind in KINDS if part in cmd), default)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


@pytest.mark.slow
def test_serve_stop_by_ctrl_c_leaves_no_process_behind(
    fitelt_env: ConnInfo, tmp_path: Path
) -> None:
    how = "ctrl-c"
    tag = uuid.uuid4().hex
    port, site_port = _free_port(), _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("FITELT_SENSORS_API", "FITELT_BIKES_API")
    }
    env[TREE_VAR] = tag
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        # Its own process group, as a terminal's foreground job: Ctrl-C signals the group.
        serve = subprocess.Popen(
            [str(FITELT), "serve", "--port", str(port), "--site-port", str(site_port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        _wait_for(
            "Dagster UI", lambda: _answers(f"http://127.0.0.1:{port}/server_info"), serve, log
        )
        _wait_for("code server", lambda: "code server" in _kinds(_tree(tag)), serve, log)
        _wait_for("run worker", lambda: "run worker" in _kinds(_tree(tag)), serve, log)
        before = _tree(tag)
        logger.info("%s: %d processes before the stop: %s", how, len(before), _kinds(before))

        started = time.monotonic()
        os.killpg(serve.pid, signal.SIGINT)  # what the terminal does
        try:
            code = serve.wait(timeout=STOP_BOUND_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"fitelt serve still running {STOP_BOUND_S} s after {how}")
        took = time.monotonic() - started
        left = _tree(tag)
        logger.info(
            "%s: serve exited (%s) after %.1f s; %d left: %s", how, code, took, len(left), left
        )

        assert not left, f"left behind after {how}: {left}\n{log.read_text()[-3000:]}"
        assert code == 0, log.read_text()[-3000:]
        # A run whose worker was stopped is marked as ended, not left holding its source's
        # concurrency slot (Dagster's run storage is the warehouse database here).
        stuck = query(fitelt_env, "select run_id, status from runs where status in %s", (ACTIVE,))
        assert not stuck, f"runs left in progress: {stuck}"
    finally:
        for pid in [serve.pid, *_tree(tag)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        serve.wait(timeout=10)
