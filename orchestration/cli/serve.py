"""`fitelt serve`: Dagster webserver + daemon (schedules, sensors) and the report site."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..report.server import is_loopback, make_server
from .context import CliContext

log = logging.getLogger("fitelt")


def serve(ctx: CliContext, *, host: str, port: int, site_port: int) -> int:
    """Run until interrupted; a child that dies takes the others down with a non-zero exit."""
    password = os.environ.get("FITELT_SITE_PASSWORD") or None
    site = make_server(ctx.settings.site_dir, host, site_port, password)
    if not is_loopback(host):
        log.warning("the Dagster UI has no authentication of its own: put it behind a proxy")
    bin_dir = Path(sys.executable).parent
    module = ["-m", "orchestration.definitions"]
    children = {
        "dagster-webserver": subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port), *module]
        ),
        "dagster-daemon": subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", *module]),
    }
    threading.Thread(target=site.serve_forever, name="report-site", daemon=True).start()
    shown = "localhost" if is_loopback(host) else host
    log.info("Dagster UI:  http://%s:%d/", shown, port)
    auth = "  (user fitelt)" if password else ""
    log.info("Report site: http://%s:%d/%s", shown, site_port, auth)
    log.info("schedules and sensors run in dagster-daemon; Ctrl-C stops everything")

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    status = 0
    while not stopping.is_set():
        for name, child in children.items():
            if child.poll() is not None:
                log.error("%s exited with code %s", name, child.returncode)
                status = 1
                stopping.set()
        time.sleep(0.5)
    site.shutdown()
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    return status
