"""`fitelt athlete set|show|list`: validated settings in raw.athletes, one-line refusals.

Real `fitelt` subprocesses on a fresh warehouse. Bad values are refused while parsing (exit 2,
one stderr line, no traceback, nothing stored); the heart-rate order is checked against the
stored values too; `none` clears; delete-athlete leaves no settings behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from tests.conftest import query

FITELT = str(Path(sys.executable).parent / "fitelt")
SETTINGS = "select display_name, timezone, sex, birth_year, max_hr, resting_hr, threshold_hr "


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FITELT, *args], env=dict(os.environ), capture_output=True, text=True, timeout=120
    )


def _refused(result: subprocess.CompletedProcess, *expected: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for text in expected:
        assert text in lines[0]
    return lines[0]


NEXT_YEAR = str(date.today().year + 1)
BAD_VALUES = [  # arguments after `athlete set ann`, what the one line must say
    (["--max-hr", "300"], "max HR 300 bpm is not plausible: use 100-230"),
    (["--max-hr", "99"], "use 100-230"),
    (["--resting-hr", "20"], "resting HR 20 bpm is not plausible: use 25-120"),
    (["--threshold-hr", "240"], "threshold HR 240 bpm is not plausible: use 80-230"),
    (["--resting-hr", "fast"], "resting HR 'fast' is not a whole number"),
    (["--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    (["--timezone", "none"], "unknown time zone 'none'"),  # cannot be cleared
    (["--birth-year", "1850"], "birth year 1850 is not plausible"),
    (["--birth-year", NEXT_YEAR], f"birth year {NEXT_YEAR} is not plausible"),
    (["--sex", "other"], "sex 'other': use female or male"),
    (["--name", "   "], "name must be 1 to 100 printable characters"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_VALUES)
def test_a_bad_value_is_one_line_exit_2_and_nothing_is_stored(
    fitelt_env: ConnInfo, arguments: list[str], message: str
) -> None:
    line = _refused(_run(["athlete", "set", "ann", *arguments]), message)
    assert line.startswith("fitelt athlete set: error: argument --")
    assert query(fitelt_env, "select count(*) from raw.athletes") == [(0,)]


def test_set_show_list_round_trip_and_none_clears(fitelt_env: ConnInfo) -> None:
    created = _run(
        ["athlete", "set", "ann", "--name", "Ann Lee", "--timezone", "America/New_York",
         "--sex", "female", "--birth-year", "1988", "--max-hr", "188", "--resting-hr", "52",
         "--threshold-hr", "171"]
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "athlete ann created" in created.stderr
    assert query(fitelt_env, SETTINGS + "from raw.athletes where athlete_id = 'ann'") == [
        ("Ann Lee", "America/New_York", "female", 1988, 188, 52, 171)
    ]
    shown = _run(["athlete", "show", "ann"])
    assert shown.returncode == 0, shown.stderr
    lines = [" ".join(line.split()) for line in shown.stdout.splitlines()]
    assert lines == [
        "athlete ann", "name Ann Lee", "timezone America/New_York", "sex female",
        "birth year 1988", "max HR 188 bpm", "resting HR 52 bpm", "threshold HR 171 bpm",
    ]  # fmt: skip

    # Clearing, and an athlete with nothing set beside it.
    assert _run(["athlete", "set", "ann", "--max-hr", "none", "--sex", "none"]).returncode == 0
    assert _run(["athlete", "set", "bob"]).returncode == 0
    shown = _run(["athlete", "show", "ann"]).stdout
    assert "sex" in shown and "female" not in shown
    max_line = next(line for line in shown.splitlines() if line.startswith("max HR"))
    assert "unset: estimated" in max_line and "last 12 months" in max_line
    assert "Tanaka 208 - 0.7 x age" in max_line
    resting = next(line for line in _run(["athlete", "show", "bob"]).stdout.splitlines()
                   if line.startswith("resting HR"))  # fmt: skip
    assert "unset" in resting and "else 60" in resting

    listed = _run(["athlete", "list"])
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[0][:3] == ["id", "name", "timezone"]
    assert [row[0] for row in rows[1:]] == ["ann", "bob"]
    assert rows[2] == ["bob", "bob", "Europe/Paris", "-", "-", "-", "-", "-"]
    assert query(fitelt_env, SETTINGS + "from raw.athletes where athlete_id = 'ann'") == [
        ("Ann Lee", "America/New_York", None, 1988, None, 52, 171)
    ]


def test_heart_rates_keep_their_order_against_the_stored_values(fitelt_env: ConnInfo) -> None:
    assert _run(["athlete", "set", "ann", "--threshold-hr", "170"]).returncode == 0
    result = _run(["athlete", "set", "ann", "--max-hr", "165"])
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "threshold HR 170 (stored) must be below max HR 165" in result.stderr
    assert "Traceback" not in result.stderr
    both = _run(["athlete", "set", "ann", "--resting-hr", "100", "--threshold-hr", "95"])
    assert both.returncode == 2
    assert "resting HR 100 must be below threshold HR 95" in both.stderr
    assert query(fitelt_env, "select max_hr, resting_hr, threshold_hr from raw.athletes") == [
        (None, None, 170)
    ]
    # Moving the threshold out of the way lets the same max through.
    assert (
        _run(["athlete", "set", "ann", "--threshold-hr", "150", "--max-hr", "165"]).returncode == 0
    )


def test_the_table_refuses_what_the_cli_refuses(fitelt_env: ConnInfo) -> None:
    """Another writer (SQL, an older client) is held to the same ranges and order."""
    with psycopg2.connect(fitelt_env.dsn()) as db, db.cursor() as cur:
        cur.execute("insert into raw.athletes (athlete_id, display_name, timezone) "
                    "values ('ann', 'Ann', 'UTC')")  # fmt: skip
    for assignment in ("max_hr = 250", "resting_hr = 10", "max_hr = 150, threshold_hr = 160"):
        with pytest.raises(psycopg2.errors.CheckViolation):
            with psycopg2.connect(fitelt_env.dsn()) as db, db.cursor() as cur:
                cur.execute(f"update raw.athletes set {assignment}")  # noqa: S608


def test_show_of_an_unknown_athlete_is_one_line(fitelt_env: ConnInfo) -> None:
    result = _run(["athlete", "show", "nobody"])
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown athlete 'nobody'" in result.stderr and "Traceback" not in result.stderr


def test_delete_athlete_leaves_no_settings(fitelt_env: ConnInfo) -> None:
    assert (
        _run(["athlete", "set", "ann", "--max-hr", "190", "--birth-year", "1990"]).returncode == 0
    )
    assert _run(["athlete", "set", "bob", "--max-hr", "180"]).returncode == 0
    deleted = _run(["delete-athlete", "ann", "--yes"])
    assert deleted.returncode == 0, deleted.stderr
    assert query(fitelt_env, "select athlete_id, max_hr from raw.athletes") == [("bob", 180)]
    assert _run(["athlete", "show", "ann"]).returncode == 1
