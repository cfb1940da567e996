"""Concurrent runs of one source, with real `fitelt` processes: one writer at a time, no gaps.

Before (issue #14): two runs of one dlt pipeline shared a local working folder and failed
inside dlt (`LoadPackageNotFound`, `FileNotFoundError … new_jobs`), once leaving a half-deleted
load package that failed every later run. Each test ends with raw compared to one clean run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse.locks import is_locked, pipeline_lock
from tests.conftest import SAMPLE_WEIGHT_CSV
from tests.reliability.helpers import clean_run_snapshot, load, snapshot

logger = logging.getLogger(__name__)

FITELT = str(Path(sys.executable).parent / "fitelt")
DLT_INTERNALS = ("LoadPackageNotFound", "FileNotFoundError", "Directory not empty", "Traceback")
LINES = SAMPLE_WEIGHT_CSV.read_text().splitlines()
UP_TO_WEIGHT_DAILY = '+key:"marts/weight_daily"'


def _inbox() -> Inbox:
    settings = Settings.from_env()
    return Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)


def _materialize(**env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FITELT, "materialize", "--select", "withings/measures"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_cli_runs_of_one_source_at_once_end_like_one_clean_run(
    fitelt_env, pg_server, tmp_path: Path
) -> None:
    _inbox().drop(SAMPLE_WEIGHT_CSV, "demo")
    runs = [_materialize(), _materialize()]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-3000:]
        assert not any(word in err for word in DLT_INTERNALS), err[-3000:]
    assert not _inbox().pending("withings")
    expected = clean_run_snapshot(pg_server, tmp_path, [(SAMPLE_WEIGHT_CSV, "demo")],
                                  "withings/measures")  # fmt: skip
    assert snapshot(fitelt_env, "withings_measures") == expected


@pytest.mark.slow
def test_a_run_that_cannot_get_the_pipeline_waits_then_says_so(fitelt_env) -> None:
    inbox = _inbox()
    inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    with pipeline_lock(fitelt_env, "withings"):  # another run is loading
        assert is_locked(fitelt_env, "withings")
        run = _materialize(FITELT_LOCK_TIMEOUT_S="2")
        _, err = run.communicate(timeout=300)
    assert run.returncode == 1
    assert "another run of withings is loading; try again" in err
    assert not any(word in err for word in DLT_INTERNALS[:3])
    assert len(inbox.pending("withings")) == 1, "the file waits for the next run"
    assert not is_locked(fitelt_env, "withings")
    assert load("withings/measures").success and not inbox.pending("withings")


@pytest.mark.slow
def test_an_import_during_a_load_is_loaded_by_the_next_run(
    fitelt_env, pg_server, tmp_path: Path
) -> None:
    inbox = _inbox()
    first = tmp_path / "export" / "weight.csv"
    first.parent.mkdir()
    first.write_text("\n".join(LINES[:700]) + "\n")
    newer = tmp_path / "weight.csv"
    newer.write_text("\n".join([LINES[0], *LINES[500:]]) + "\n")
    inbox.drop(first, "demo")
    run = _materialize()
    seen = _read_until(run, "1 file(s)")
    inbox.drop(newer, "demo")  # same name, new content, while the run loads the first
    seen += _read_until(run, None)
    assert run.wait(timeout=300) == 0, seen[-3000:]
    assert seen.index("1 file(s)") < seen.index("archived"), "the import landed mid-load"
    [waiting] = inbox.pending("withings")
    assert waiting.path.read_bytes() == newer.read_bytes()
    assert load("withings/measures").success and not inbox.pending("withings")
    both = [(first, "demo"), (newer, "demo")]
    assert snapshot(fitelt_env, "withings_measures") == clean_run_snapshot(
        pg_server, tmp_path, both, "withings/measures"
    )


def test_a_killed_runs_leftovers_are_dropped_and_the_source_loads(fitelt_env) -> None:
    settings = Settings.from_env()
    orphan = settings.data_dir / "work" / "withings-killed"
    half_deleted = orphan / "withings" / "load" / "normalized" / "1712345.678" / "new_jobs"
    half_deleted.mkdir(parents=True)
    (half_deleted.parent / "package_state.json").write_text("{")  # truncated
    legacy = settings.data_dir / "dlt" / "withings" / "load" / "new" / "1712345.679"
    legacy.mkdir(parents=True)
    _inbox().drop(SAMPLE_WEIGHT_CSV, "demo")
    instance = dg.DagsterInstance.ephemeral()
    result = load("withings/measures", instance=instance)
    assert result.success
    assert not orphan.exists() and not (settings.data_dir / "dlt" / "withings").exists()
    logs = " ".join(e.message for e in instance.all_logs(result.run_id))
    assert "withings-killed" in logs
    assert not list((settings.data_dir / "work").iterdir()), "the run cleaned up its own folder"


def _read_until(run: subprocess.Popen[str], marker: str | None) -> str:
    """stderr of `run` up to the line holding `marker` (None: to the end)."""
    assert run.stderr is not None
    seen = []
    deadline = time.monotonic() + 300
    for line in run.stderr:
        seen.append(line)
        if marker is not None and marker in line:
            break
        assert time.monotonic() < deadline
    return "".join(seen)


@pytest.mark.slow
def test_dbt_builds_take_turns_across_runs(fitelt_env, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.lib.materialize import materialize

    monkeypatch.setenv("FITELT_LOCK_TIMEOUT_S", "1")
    with pipeline_lock(fitelt_env, "dbt"):  # another run's dbt build is swapping tables in
        result = materialize(UP_TO_WEIGHT_DAILY, instance=dg.DagsterInstance.ephemeral())
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert "another run of dbt is loading" in str(failures[0].event_specific_data.error)
    assert not is_locked(fitelt_env, "dbt")


@pytest.mark.slow
def test_a_cli_run_while_serve_streams_bikes_loses_and_doubles_nothing(
    fitelt_env, pg_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlt_sources.simulators.bikes import BikeSimulator
    from tests.cli.test_serve_shutdown import (
        ACTIVE,
        STOP_BOUND_S,
        _answers,
        _free_port,
        _tree,
        _wait_for,
    )
    from tests.conftest import query

    bikes = BikeSimulator(bikes=2, speed=4.0, seed=11)
    log_server = bikes.serve()
    for name, value in {
        "FITELT_BIKES_API": log_server.url,
        "FITELT_BIKES_WINDOW_S": "15",
        "FITELT_BIKES_IDLE_S": "5",
        "FITELT_TEST_SERVE_TREE": "bikes-cli",
    }.items():
        monkeypatch.setenv(name, value)  # fmt: skip
    port, site_port = _free_port(), _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [FITELT, "serve", "--port", str(port), "--site-port", str(site_port)],
            stdout=out, stderr=subprocess.STDOUT, process_group=0,
        )  # fmt: skip
    try:
        _wait_for("Dagster UI", lambda: _answers(f"http://127.0.0.1:{port}/server_info"),
                  serve, log)  # fmt: skip
        reading = "select count(*) from runs where pipeline_name = 'bikes_refresh' and status = "
        _wait_for("daemon's bike window", lambda: _query_count(fitelt_env, reading + "'STARTED'")
                  > 0, serve, log)  # fmt: skip
        cli = subprocess.run([FITELT, "materialize", "--select", "group:bikes"],
                             capture_output=True, text=True, timeout=600)  # fmt: skip
        assert cli.returncode == 0, cli.stderr[-3000:]
        assert not any(word in cli.stderr for word in DLT_INTERNALS), cli.stderr[-3000:]
        # SIGTERM (what kill, systemd or a supervisor sends) while the daemon's bike window
        # is still reading: the whole tree ends within the bound, and no run stays in progress
        # (tests/cli/test_serve_shutdown.py covers Ctrl-C on an idle serve).
        _wait_for("a started bike run", lambda: _query_count(fitelt_env, reading + "'STARTED'")
                  > 0, serve, log)  # fmt: skip
        started = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=STOP_BOUND_S)
        logger.info("serve stopped by SIGTERM in %.1f s", time.monotonic() - started)
        assert not _tree("bikes-cli"), "processes left behind after SIGTERM"
        assert code == 0, log.read_text()[-3000:]
        stuck = query(fitelt_env, "select run_id, status from runs where status in %s", (ACTIVE,))
        assert not stuck, f"runs left in progress: {stuck}"
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait(timeout=10)
        for pid in _tree("bikes-cli"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    bikes.stop()  # the log stops growing; the server still serves it
    try:
        monkeypatch.setenv("FITELT_BIKES_WINDOW_S", "0")  # read once, to the end of the log
        assert load("bikes/riders", "bikes/rides", "bikes/ride_seconds").success
        tables = ("bikes_riders", "bikes_rides", "bikes_ride_seconds")
        loaded = snapshot(fitelt_env, *tables)
        expected = clean_run_snapshot(pg_server, tmp_path, [], "bikes/riders", "bikes/rides",
                                      "bikes/ride_seconds")  # fmt: skip
    finally:
        log_server.close()
    assert loaded["bikes_ride_seconds"]["rows"] > 0
    for table in tables:
        assert loaded[table]["rows"] == len(loaded[table]["keys"]), f"{table}: doubled rows"
        assert loaded[table] == expected[table], f"{table} differs from one clean run"


def _query_count(conn, sql: str) -> int:
    from tests.conftest import query

    return query(conn, sql)[0][0]


def test_a_lock_held_in_another_database_is_not_this_ones(fresh_db, pg_server) -> None:
    """Advisory locks belong to one database: another installation on the server is not us."""
    import uuid

    from tests.conftest import create_database, drop_database

    name = f"other_{uuid.uuid4().hex[:10]}"
    other = create_database(pg_server, name)
    try:
        with pipeline_lock(other, "dbt"):
            assert is_locked(other, "dbt") and not is_locked(fresh_db, "dbt")
    finally:
        drop_database(pg_server, name)
