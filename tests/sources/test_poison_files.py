"""A file that fails as a whole is set aside; every other file and athlete loads in the same run.

Before (issue #14): a Withings export with an unclosed quote (a field over Python's csv limit)
failed the whole `withings` step with `_csv.Error`, every other athlete's files stayed in the
inbox, and every later run failed the same way until someone deleted the file by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from fitelt.inbox.store import Inbox, reason_of
from fitelt.settings import Settings
from fitelt.warehouse.athletes import ensure_athlete
from tests.conftest import SAMPLE_WEIGHT_CSV, query
from tests.reliability.helpers import load, metadata_of, snapshot

LINES = SAMPLE_WEIGHT_CSV.read_text().splitlines()
FIELD_OVER_LIMIT = 17 * 1024 * 1024  # over the raised 16 MiB csv limit too


def _inbox() -> Inbox:
    settings = Settings.from_env()
    return Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)


def _poison(path: Path) -> Path:
    """Good lines, then an unclosed quote whose field runs past the csv field limit."""
    with path.open("w") as handle:
        handle.write("\n".join(LINES[:40]) + "\n")
        handle.write('2024-01-01 07:00:00,80.0,16.0,3.1,60.0,44.0,"never closed ')
        handle.write("x" * FIELD_OVER_LIMIT + "\n")
    return path


@pytest.mark.slow
def test_a_poison_file_is_set_aside_and_the_rest_loads(fitelt_env, tmp_path: Path) -> None:
    inbox = _inbox()
    for athlete in ("demo", "zed"):
        ensure_athlete(fitelt_env, athlete, "Europe/Paris")
    good = tmp_path / "zed" / "weight.csv"
    good.parent.mkdir()
    good.write_text("\n".join(LINES[:200]) + "\n")
    inbox.drop(_poison(tmp_path / "weight.csv"), "demo")
    inbox.drop(good, "zed")

    instance = dg.DagsterInstance.ephemeral()
    result = load("withings/measures", instance=instance)

    assert result.success
    athletes = query(fitelt_env, "select distinct athlete_id from raw.withings_measures")
    assert athletes == [("zed",)], "the poison file loaded nothing half-way; zed loaded"
    [(line, reason)] = query(
        fitelt_env,
        "select source_line, reason from raw.withings_quarantine where athlete_id = 'demo'",
    )
    assert line == 0 and reason.startswith("file rejected:") and "line 41" in reason
    [rejected] = inbox.rejected("withings")
    assert rejected.athlete_id == "demo" and rejected.original_name == "weight.csv"
    assert "field" in reason_of(rejected)
    assert not inbox.pending("withings")
    assert metadata_of(result, "withings/measures")["files_rejected"] == 1

    before = snapshot(fitelt_env, "withings_measures")
    again = load("withings/measures", instance=instance)  # the next run does not retry it
    assert again.success and metadata_of(again, "withings/measures")["files_loaded"] == 0
    assert snapshot(fitelt_env, "withings_measures") == before


@pytest.mark.slow
def test_retry_rejected_brings_a_fixed_up_file_back(fitelt_env, tmp_path: Path) -> None:
    inbox = _inbox()
    by_hand = inbox.inbox_dir / "withings" / "demo" / "weight.csv"  # copied in without import
    by_hand.parent.mkdir(parents=True)
    by_hand.write_text("Date;Weight (kg)\n2024-01-01 07:00:00;80\n")
    assert load("withings/measures").success
    assert len(inbox.rejected()) == 1
    done = subprocess.run(
        [str(Path(sys.executable).parent / "fitelt"), "import", "--retry-rejected"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "back in the inbox" in done.stderr and "separated" in done.stderr
    assert len(inbox.pending("withings")) == 1 and not inbox.rejected()
