"""Warehouse resolution: URL spellings, the embedded server's idempotent start, stale locks."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg2
import pytest

from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo, resolve_warehouse, stop_embedded


def test_conninfo_round_trips_socket_and_tcp_urls() -> None:
    socket_url = "postgresql://postgres:x@%2Ftmp%2Fpg%20data:5432/fitness"
    info = ConnInfo.from_url(socket_url)
    assert (info.host, info.port, info.dbname, info.user) == (
        "/tmp/pg data",
        5432,
        "fitness",
        "postgres",
    )
    assert ConnInfo.from_url(info.url()) == info
    query_style = ConnInfo.from_url("postgresql://postgres:@/postgres?host=/tmp/pg")
    assert query_style.host == "/tmp/pg" and query_style.dbname == "postgres"
    tcp = ConnInfo.from_url("postgres://u:p%40ss@db.example:6543/w")
    assert (tcp.host, tcp.port, tcp.password) == ("db.example", 6543, "p@ss")
    assert "p%40ss" not in tcp.url(redact=True) and "***" in tcp.url(redact=True)
    with pytest.raises(ValueError, match="postgresql://"):
        ConnInfo.from_url("mysql://u:p@h/db")


def _start_in_new_process(data_dir: Path) -> None:
    """What a second `make run` does: a new process asks for the embedded server."""
    code = (
        "import sys; from pathlib import Path; "
        "from fitelt.warehouse.embedded import start_embedded; "
        "start_embedded(Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(data_dir)], check=True, timeout=120)


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def test_embedded_start_is_idempotent_and_survives_a_stale_lock() -> None:
    root = Path(tempfile.mkdtemp(prefix="fitelt-wh-"))
    root.chmod(0o755)
    data_dir = root / "postgres"
    try:
        _start_in_new_process(data_dir)
        pid = _postmaster_pid(data_dir)
        _start_in_new_process(data_dir)  # reuses the running server
        assert _postmaster_pid(data_dir) == pid
        # Crash: the server dies hard and leaves its postmaster.pid behind.
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 10
        while time.time() < deadline and psutil.pid_exists(pid):
            time.sleep(0.1)
        assert (data_dir / "postmaster.pid").exists()
        _start_in_new_process(data_dir)
        assert _postmaster_pid(data_dir) != pid
        settings = Settings(root, None, "demo", "Europe/Paris")
        admin = resolve_warehouse(settings).admin
        with psycopg2.connect(admin.dsn()) as db, db.cursor() as cur:
            cur.execute(
                "select count(*) from information_schema.schemata "
                "where schema_name in ('raw', 'staging', 'marts')"
            )
            assert cur.fetchone()[0] == 3
    finally:
        stop_embedded(data_dir)
        shutil.rmtree(root, ignore_errors=True)
