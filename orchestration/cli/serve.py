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

from ..live.api import make_api_handler
from ..live.simulators import start_embedded_simulators
from ..report.server import is_loopback, make_server
from .context import CliContext

log = logging.getLogger("fitelt")


def serve(ctx: CliContext, *, host: str, port: int, site_port: int, simulators: bool = True) -> int:
    """Run until interrupted; a child that dies takes the others down with a non-zero exit."""
    password = os.environ.get("FITELT_SITE_PASSWORD") or None
    # Before the children start: they inherit the simulators' FITELT_*_API URLs.
    stop_simulators = start_embedded_simulators() if simulators else []
    api = make_api_handler(
        ctx.warehouse.admin.dsn(), ctx.settings.default_timezone, ctx.settings.data_dir
    )
    site = make_server(ctx.settings.site_dir, host, site_port, password, api_handler=api)
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
    log.info("Read API:    http://%s:%d/v1 (rides, riders, live streams)", shown, site_port)
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
    for stop in stop_simulators:
        stop()
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    for child in children.values():
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    return status
