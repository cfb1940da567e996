"""`fitelt serve`: one Dagster code server, the webserver and daemon using it, the report site.

Every process `fitelt serve` starts, and everything those start (code servers, run workers, the
log tailers of runs), belongs to its *process tree*, and on SIGINT, SIGTERM or SIGHUP all of it
is stopped before `fitelt serve` exits:

* the three Dagster children run in one process group of their own, so a terminal's Ctrl-C
  reaches `fitelt serve` only, which then stops them in order;
* each of them, and each of their descendants, inherits ``FITELT_SERVE_ID=<uuid>``, which finds
  the processes that left the group or were re-parented to init (orphans lose their ancestry,
  not their environment);
* the tree gets SIGINT (Dagster's interruption: a run ends as failed, not stuck), SIGTERM after
  a third of the grace time and SIGKILL once it is over (a second Ctrl-C: at once). Code
  servers wait for their runs after the SIGINT, and are killed LAST_KILL_S after the rest: in
  between they record the runs whose workers were killed as failed.

A process that made itself a session leader (the embedded PostgreSQL, started on demand by any
child) has detached on purpose and is left running. ``$DAGSTER_HOME/serve.pid`` records the
serve id, so a `fitelt serve` that was SIGKILLed has its leftovers swept by the next one.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from fitelt.cli.context import CliContext
from fitelt.cli.dagster_home import CODE_LOCATION, write_workspace
from fitelt.cli.process_tree import GRACE_S, SERVE_ID_VAR, ProcessTree, cmdline_of, label_of
from fitelt.live.simulators import start_embedded_simulators
from fitelt.site.remote_releases import follow_releases
from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import is_loopback, make_server

log = logging.getLogger("fitelt")

CODE_SERVER_START_S = 300.0
SOCKET_PREFIX = "fitelt-code-"  # the code server's socket folder under /tmp (short: 108 bytes)


# -- leftovers of a serve that could not clean up (SIGKILL, power cut) ---------------------


def _other_serve(pid_file: Path) -> int | None:
    """The pid of another live `fitelt serve` of this DAGSTER_HOME; sweeps what a dead one left."""
    try:
        pid_text, old_id, *old_dir = pid_file.read_text().strip().split(maxsplit=2)
        old_pid = int(pid_text)
    except (OSError, ValueError):
        return None
    words = cmdline_of(old_pid).split()
    if old_pid != os.getpid() and "serve" in words and any("fitelt" in w for w in words):
        return old_pid
    leftovers = ProcessTree(old_id)
    if found := leftovers.members():
        log.warning("stopping %d leftover processes of a previous fitelt serve", len(found))
        leftovers.stop(grace=6.0)
    if old_dir and Path(old_dir[0]).name.startswith(SOCKET_PREFIX):
        shutil.rmtree(old_dir[0], ignore_errors=True)
    return None


# -- fitelt serve ----------------------------------------------------------------------------


def _wait_for_socket(path: Path, server: subprocess.Popen, stopping: threading.Event) -> bool:
    deadline = time.monotonic() + CODE_SERVER_START_S
    while time.monotonic() < deadline and not stopping.is_set() and server.poll() is None:
        if path.exists():
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(str(path))
                    return True
                except OSError:
                    pass
        time.sleep(0.2)
    return False


def serve(ctx: CliContext, *, host: str, port: int, site_port: int, simulators: bool = True) -> int:
    """Run until interrupted; a child that dies takes the others down with a non-zero exit."""
    stopping, force = threading.Event(), threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        if stopping.is_set():
            force.set()
            log.warning("%s again: killing what is left", signal.Signals(signum).name)
        else:
            log.info(
                "%s: stopping (up to %.0f s; again to kill at once)",
                signal.Signals(signum).name,
                GRACE_S,
            )
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    home = ctx.settings.dagster_home
    pid_file = home / "serve.pid"
    if (other := _other_serve(pid_file)) is not None:
        log.error("fitelt serve (pid %d) already runs on this data folder: stop it first", other)
        return 1
    serve_id = uuid.uuid4().hex
    os.environ[SERVE_ID_VAR] = serve_id  # before anything starts: every descendant inherits it
    socket_dir = Path(tempfile.mkdtemp(prefix=SOCKET_PREFIX))  # mode 0700: ours only
    pid_file.write_text(f"{os.getpid()} {serve_id} {socket_dir}\n")
    tree = ProcessTree(serve_id, root=os.getpid())
    children: dict[str, subprocess.Popen] = {}
    stop_simulators = []
    site = follower = None
    status = 0
    try:
        password = os.environ.get("FITELT_SITE_PASSWORD") or None
        # Before the children start: they inherit the simulators' FITELT_*_API URLs.
        stop_simulators = start_embedded_simulators() if simulators else []
        api = make_api_handler(
            ctx.warehouse.admin.dsn(), ctx.settings.default_timezone, ctx.settings.data_dir
        )
        site = make_server(ctx.settings.site_dir, host, site_port, password, api_handler=api)
        follower = follow_releases(ctx.settings)
        if not is_loopback(host):
            log.warning("the Dagster UI has no authentication of its own: put it behind a proxy")
        bin_dir = Path(sys.executable).parent
        code_socket = socket_dir / "code.sock"
        # One code server for the webserver and the daemon (a proxy: "Reload" in the UI
        # restarts the server process behind it); it starts the run workers.
        code_server = subprocess.Popen(
            [
                str(bin_dir / "dagster"),
                "code-server",
                "start",
                "-m",
                "orchestration.definitions",
                "--location-name",
                CODE_LOCATION,
                "--socket",
                str(code_socket),
            ],
            process_group=0,
        )
        children["code-server"] = code_server
        tree.group = code_server.pid
        threading.Thread(target=site.serve_forever, name="report-site", daemon=True).start()
        log.info("loading the code location (code server pid %d)", code_server.pid)
        if _wait_for_socket(code_socket, code_server, stopping):
            workspace = ["-w", str(write_workspace(home, code_socket))]
            children["dagster-webserver"] = subprocess.Popen(
                [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port), *workspace],
                process_group=code_server.pid,
            )
            children["dagster-daemon"] = subprocess.Popen(
                [str(bin_dir / "dagster-daemon"), "run", *workspace],
                process_group=code_server.pid,
            )
            shown = "localhost" if is_loopback(host) else host
            log.info("Dagster UI:  http://%s:%d/", shown, port)
            auth = "  (user fitelt)" if password else ""
            log.info("Report site: http://%s:%d/%s", shown, site_port, auth)
            log.info("Read API:    http://%s:%d/v1 (rides, riders, live streams)", shown, site_port)
            log.info("schedules and sensors run in dagster-daemon; Ctrl-C stops everything")
        elif not stopping.is_set():
            log.error("the code server did not start")
            status = 1
            stopping.set()
        while not stopping.is_set():
            for name, child in children.items():
                if child.poll() is not None:
                    log.error("%s exited with code %s", name, child.returncode)
                    status = 1
                    stopping.set()
            stopping.wait(0.5)
    finally:
        started = time.monotonic()
        if follower is not None:
            follower.stop()
        if site is not None:
            if any(t.name == "report-site" for t in threading.enumerate()):
                site.shutdown()
            site.server_close()
        killed = tree.stop(GRACE_S, force, reap=children.values())
        for stop in stop_simulators:  # after the runs polling them are gone
            stop()
        shutil.rmtree(socket_dir, ignore_errors=True)
        if killed:
            names = sorted({label_of(cmd) for cmd in killed.values()})
            log.warning("killed %d processes: %s", len(killed), names)
        log.info("stopped in %.1f s", time.monotonic() - started)
        try:
            if pid_file.read_text().split()[1] == serve_id:
                pid_file.unlink()
        except (OSError, IndexError):
            pass
    return status
