"""Concurrent runs of one source, with real `fitelt` processes: one writer at a time, no gaps.

Before (issue #14): two runs of one dlt pipeline shared a local working folder and failed
inside dlt (`LoadPackageNotFound`, `FileNotFoundError … new_jobs`), once leaving a half-deleted
load package that failed every later run. Each test ends with raw compared to one clean run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.inbox import Inbox
from orchestration.settings import Settings
from orchestration.warehouse.locks import is_locked, pipeline_lock
from tests.conftest import SAMPLE_WEIGHT_CSV
from tests.reliability_helpers import clean_run_snapshot, load, snapshot

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
    from orchestration.cli.materialize import materialize

    monkeypatch.setenv("FITELT_LOCK_TIMEOUT_S", "1")
    with pipeline_lock(fitelt_env, "dbt"):  # another run's dbt build is swapping tables in
        result = materialize(UP_TO_WEIGHT_DAILY, instance=dg.DagsterInstance.ephemeral())
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert "another run of dbt is loading" in str(failures[0].event_specific_data.error)
    assert not is_locked(fitelt_env, "dbt")
