"""Clear errors at the edges: every bad CLI argument is one line and exit 2 before any work
starts; an unexpected failure is one line without secrets (exit 1); Ctrl-C exits 130 quietly;
out-of-range API parameters are 400s naming the parameter.

Real `fitelt` subprocesses; the warehouse URL points at a closed port, so a command that
started working instead of refusing would fail differently (and create the data folder).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fitelt.cli.errors import redact
from fitelt.warehouse import ConnInfo
from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import make_server

FITELT = str(Path(sys.executable).parent / "fitelt")
PLANTED = "db-pass-PLANTED-c0ffee"
NOWHERE = f"postgresql://fitelt:{PLANTED}@127.0.0.1:1/fitness"  # nothing listens on port 1


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FITELT_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": NOWHERE,
        "FITELT_READER_PASSWORD": "reader-pass-PLANTED-1",
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([FITELT, *args], env=env, capture_output=True, text=True, timeout=120)


ATHLETE_RULE = "use 1 to 64 letters (A-Z, a-z), digits, '_' or '-'"
BAD_ARGUMENTS = [  # arguments, the bad value as shown, what is allowed
    (["import", "weight.csv", "--athlete", ""], "''", ATHLETE_RULE),
    (["import", "weight.csv", "--athlete", "bad id!"], "'bad id!'", ATHLETE_RULE),
    (["connect", "strava", "--athlete", "a/b"], "'a/b'", ATHLETE_RULE),
    (["forecast", "--athlete", "é"], "'é'", ATHLETE_RULE),
    (["grant-athlete", "", "--password", "x"], "''", ATHLETE_RULE),
    (["delete-athlete", "x" * 65, "--yes"], "'xxxxxxxx", ATHLETE_RULE),
    (["materialize", "--select", ""], "''", "give one, e.g. 'group:withings+'"),
    (["materialize", "--select", "  "], "'  '", "give one"),
    (["backup", "--keep", "0"], "'0'", "integer 1 or more"),
    (["backup", "--keep", "-2"], "'-2'", "integer 1 or more"),
    (["backup", "--keep", "many"], "'many'", "integer 1 or more"),
    (["forecast", "--weeks", "0"], "'0'", "from 1 to 52"),
    (["forecast", "--run-km", "nan"], "'nan'", "number >= 0 and <= 1000"),
    (["serve-site", "--site-port", "70000"], "'70000'", "from 1 to 65535"),
]


@pytest.mark.parametrize(("args", "shown", "allowed"), BAD_ARGUMENTS, ids=lambda v: str(v)[:30])
def test_a_bad_argument_is_one_line_and_exit_2_before_any_work(
    args: list[str], shown: str, allowed: str, env: dict[str, str]
) -> None:
    done = _run(args, env)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, lines
    assert "Traceback" not in done.stderr
    assert shown in lines[0] and allowed in lines[0], lines[0]
    assert not Path(env["FITELT_DATA_DIR"]).exists()  # nothing started


@pytest.mark.slow  # imports Dagster's definitions (~10 s) to check the selection
def test_an_unknown_asset_selection_is_refused_before_the_warehouse_starts(env) -> None:
    done = _run(["materialize", "--select", "key:no/such_asset"], env)
    assert done.returncode == 2, done.stderr
    assert "'key:no/such_asset'" in done.stderr and "matches no asset" in done.stderr
    assert "Traceback" not in done.stderr
    assert not Path(env["FITELT_DATA_DIR"]).exists()


def test_an_unexpected_error_is_one_line_without_secrets(env: dict[str, str]) -> None:
    done = _run(["db-url"], env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith("fitelt: error: OperationalError: ")
    assert "Connection refused" in done.stderr and PLANTED not in done.stderr + done.stdout
    verbose = _run(["-v", "db-url"], env)
    assert verbose.returncode == 1
    assert "Traceback" in verbose.stderr and PLANTED not in verbose.stderr
    assert verbose.stderr.splitlines()[-1].startswith("fitelt: error: OperationalError: ")


def test_secrets_are_masked_in_error_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:s%40cret-PLANTED@db:5432/fitness")
    monkeypatch.setenv("FITELT_SMTP_PASSWORD", "smtp-PLANTED")
    text = redact(
        "invalid dsn: host='db' password='s@cret-PLANTED' user=u; "
        "postgresql://x:other-pass@h/d; login failed with smtp-PLANTED; password=plain-PLANTED"
    )
    assert "PLANTED" not in text and "other-pass" not in text
    assert "host='db'" in text and "postgresql://x:***@h/d" in text


def test_ctrl_c_exits_130_without_a_traceback(env: dict[str, str], tmp_path: Path) -> None:
    # No bytecode cache for the child: importing the definitions then takes several seconds
    # (every module compiled), so the Ctrl-C lands inside main(), not after it returned.
    slow_start = {"PYTHONPYCACHEPREFIX": str(tmp_path / "no-pyc"), "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen(
        [FITELT, "materialize", "--select", "key:withings/measures"],
        env={**env, **slow_start},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # inside main(), importing Dagster's definitions (several seconds)
    assert child.poll() is None
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


@pytest.fixture
def api(fresh_db: ConnInfo, tmp_path: Path) -> Iterator[str]:
    handler = make_api_handler(fresh_db.dsn(), "Europe/Paris", tmp_path)
    server = make_server(tmp_path / "site", "127.0.0.1", 0, None, api_handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


OUT_OF_RANGE = [  # path, the parameter the error names
    ("/v1/daily?date=9999-12-31", "date"),  # was a 500: the day after it overflows
    ("/v1/daily?date=0001-01-01", "date"),
    ("/v1/daily?date=2025-13-01", "date"),
    ("/v1/daily?date=20250101", "date"),
    ("/v1/live/rides?within=1e999", "within"),
    ("/v1/live/sensors?within=nan", "within"),
    ("/v1/live/sensors?within=-5", "within"),
    ("/v1/ride/9223372036854775808", "ride id"),
    ("/v1/rider/-1", "rider id"),
]


def test_api_parameters_out_of_range_are_400_naming_the_parameter(api: str) -> None:
    for path, parameter in OUT_OF_RANGE:
        response = requests.get(api + path, timeout=10)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.text)["error"].startswith(parameter), path
    assert requests.get(f"{api}/v1/daily?date=2100-12-31", timeout=10).status_code == 503  # valid
