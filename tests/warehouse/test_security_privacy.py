"""Private by default: file modes, no password in a process's arguments, read-only roles that
create nothing, and a report server that answers only its own host names and same-site writes.

Real `fitelt` subprocesses, a real PostgreSQL, a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import psycopg2
import pytest

from fitelt.notify.mailer import Mailer
from fitelt.warehouse import READER_ROLE, ConnInfo
from fitelt.warehouse.athletes import ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.warehouse.row_security import athlete_role_name, grant_athlete
from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import make_server
from ml.artifacts import models_dir, record_no_model
from tests.conftest import SAMPLE_WEIGHT_CSV, create_database, drop_database, query

FITELT = str(Path(sys.executable).parent / "fitelt")
PLANTED_DB = "db-pass-PLANTED-8e1"
PLANTED_READER = "reader-pass-PLANTED-3c"


def _fitelt(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [FITELT, *args], env=dict(os.environ), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _not_private(root: Path) -> list[str]:
    """Files with any group/other bit, folders other than 0700, under and including `root`."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        if stat.S_ISDIR(mode) and stat.S_IMODE(mode) != 0o700 or mode & 0o077:
            found.append(f"{path.relative_to(root)} {stat.S_IMODE(mode):o}")
    return found


@pytest.mark.slow
def test_what_fitelt_writes_is_private(fitelt_env: ConnInfo, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)  # an installation from before: tightened when a command opens it
    _fitelt("import", str(SAMPLE_WEIGHT_CSV), "--athlete", "alice")
    _fitelt("materialize", "--select", "key:withings/measures")  # dlt, Dagster's storage
    _fitelt("backup")
    written = {p.relative_to(data_dir).parts[0] for p in data_dir.rglob("*") if p.is_file()}
    assert {"archive", "backups", "dagster"} <= written, written  # loaded, backed up, logged
    assert _not_private(data_dir) == []


def test_outbox_and_models_are_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # as under a daemon or a test runner, not the `fitelt` CLI
    try:
        msg = EmailMessage()
        msg["To"], msg["Subject"] = "rider@example.com", "Heart-rate alert"
        msg.set_content("Ada: 210 bpm")
        delivery = Mailer(None, tmp_path / "data" / "outbox").send(msg)
        record_no_model(models_dir(tmp_path / "data"), "demo", "weight_kg", "not enough weeks")
    finally:
        os.umask(previous)
    assert delivery.method == "outbox"
    assert _not_private(tmp_path / "data" / "outbox") == []
    assert _not_private(tmp_path / "data" / "models") == []


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except (FileNotFoundError, ProcessLookupError):
        return []


@pytest.mark.parametrize("role", ["--admin", "--reader"])
def test_psql_gets_the_password_in_its_environment_not_its_arguments(
    fitelt_env: ConnInfo, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", fitelt_env.as_user("postgres", PLANTED_DB).url())
    monkeypatch.setenv("FITELT_READER_PASSWORD", PLANTED_READER)
    extra = ["--admin"] if role == "--admin" else []
    child = subprocess.Popen(
        [FITELT, "sql", *extra, "-c", "select pg_sleep(3)"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    argv: list[str] = []
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline:
        argv = _cmdline(child.pid)
        if argv and argv[0].endswith("psql"):  # fitelt exec'd psql in the same process
            break
        time.sleep(0.05)
    environ = Path(f"/proc/{child.pid}/environ").read_bytes().split(b"\0")
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert argv and argv[0].endswith("psql"), argv
    password = PLANTED_DB if role == "--admin" else PLANTED_READER
    assert not any(secret in " ".join(argv) for secret in (PLANTED_DB, PLANTED_READER)), argv
    assert f"PGPASSWORD={password}".encode() in environ  # it still reaches psql


CREATING = (
    "create temp table sneaky (id int)",
    "create temporary table sneaky (id int)",
    "select lo_from_bytea(0, 'x')",
    "select lo_create(0)",
    "select lo_creat(-1)",
    "select lo_import('/etc/hostname')",
    "select lo_put(1, 0, 'x')",
    "select lo_unlink(1)",
    "select lowrite(0, 'x')",
)


def test_reader_and_athlete_roles_cannot_create_anything(fresh_db: ConnInfo) -> None:
    ensure_athlete(fresh_db, "ann", "Europe/Paris")
    grant_athlete(fresh_db, "ann", "ann-password")
    roles = [fresh_db.as_user(READER_ROLE, "x"), fresh_db.as_user(athlete_role_name("ann"), "x")]
    for conn in roles:
        for statement in CREATING:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                query(conn, statement)
        assert query(conn, "select 1") == [(1,)]  # still logs in and reads
    # The owner keeps temp tables (dbt's incremental models, the foot-sensor COPY use them).
    assert query(fresh_db, "create temp table t (x int); select 1") == [(1,)]


def test_a_non_superuser_owner_gets_one_warning_and_the_rest_still_applies(
    pg_server: ConnInfo, fresh_db: ConnInfo, caplog: pytest.LogCaptureFixture
) -> None:
    owner = f"owner_{uuid.uuid4().hex[:8]}"
    query(pg_server, f'create role "{owner}" login createrole; select 1')
    name = f"t_{uuid.uuid4().hex[:12]}"
    create_database(pg_server, name)
    query(pg_server.with_db(name), f'alter database "{name}" owner to "{owner}"; select 1')
    db = pg_server.with_db(name).as_user(owner, "x")
    try:
        with caplog.at_level(logging.WARNING):
            ensure_layout(db, reader_password=None)  # no exception: the layout is in place
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, warnings
        assert "lo_from_bytea" in warnings[0] and owner in warnings[0]
        reader = db.as_user(READER_ROLE, "x")
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            query(reader, "create temp table sneaky (id int)")  # the owner could revoke this
        assert query(db, "select to_regnamespace('marts') is not null") == [(True,)]
    finally:
        drop_database(pg_server, name)
        query(pg_server, f'drop owned by "{owner}"; drop role "{owner}"; select 1')


# --- the report server ----------------------------------------------------------------------


@pytest.fixture
def serve(fresh_db: ConnInfo, tmp_path: Path) -> Iterator:
    servers = []

    def start(password: str | None) -> int:
        api = make_api_handler(fresh_db.dsn(), "Europe/Paris", tmp_path)
        server = make_server(tmp_path / "site", "127.0.0.1", 0, password, api_handler=api)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _request(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host="Host" in headers)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_only_known_host_names_are_answered(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITELT_ALLOWED_HOSTS", "fitness.lan, reports.example:8443")
    monkeypatch.delenv("FITELT_PUBLIC_URL", raising=False)
    port = serve(None)
    for host in (f"127.0.0.1:{port}", "localhost", f"LOCALHOST:{port}", f"[::1]:{port}",
                 "fitness.lan:3001", "reports.example"):  # fmt: skip
        assert _request(port, "GET", "/v1", {"Host": host})[0] == 200, host
    for host in ("evil.example", f"evil.example:{port}", "localhost.evil.example", "fitness.lan@x"):
        status, body = _request(port, "GET", "/v1", {"Host": host})
        assert status == 421, host
        assert "unknown host" in json.loads(body)["error"]
        assert _request(port, "GET", "/", {"Host": host})[0] == 421, host  # the pages too


def test_deleting_a_ride_cross_site_is_refused_with_or_without_a_password(serve) -> None:
    for password in (None, "site-pw"):
        port = serve(password)
        auth = {}
        if password:
            token = base64.b64encode(f"fitelt:{password}".encode()).decode()
            auth = {"Authorization": f"Basic {token}"}
            assert _request(port, "DELETE", "/v1/ride/1", {})[0] == 401  # the password is needed
        for refused in (
            {"Origin": "http://evil.example"},
            {"Origin": "null"},
            {"Origin": f"http://localhost:{port}"},  # another origin than the page's
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
        ):
            status, body = _request(port, "DELETE", "/v1/ride/1", {**auth, **refused})
            assert status == 403, (password, refused)
            assert "cross-site" in json.loads(body)["error"]
        for allowed in (
            {},  # not a browser: curl, scripts
            {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
        ):
            status, body = _request(port, "DELETE", "/v1/ride/1", {**auth, **allowed})
            assert (status, json.loads(body)["error"]) == (404, "no ride 1"), (password, allowed)
