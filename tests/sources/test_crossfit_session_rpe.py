"""The CrossFit log's optional session-RPE columns (`rpe`, `duration_min`): parsed when present,
bad values quarantined with their reason, files without them loading exactly as before."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlt_sources.common.quarantine import RowError
from dlt_sources.crossfit.csv_log import csv_lines
from dlt_sources.crossfit.helpers import sheet_rows
from dlt_sources.crossfit.rows import log_rows
from dlt_sources.synthetic.generate import generate_sample_data

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_LOG = ROOT / "sample_data" / "crossfit" / "crossfit_log.csv"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
OLD_HEADER = "Date,Exercise,Sets,Reps,Weight,Unit,Notes"
OLD_LINES = [
    "2025-05-01,Deadlift,3,5,140,kg,",
    "2025-05-01,Pull-ups,3,10,,,",
    "2025-05-02,Snatch,2,1,40,kg,heavy",
]


def _parse(tmp_path: Path, text: str) -> list[tuple[int, list, Any]]:
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    return list(log_rows(csv_lines(path), athlete_id="demo", now=NOW))


def test_a_log_without_the_columns_loads_as_before_with_null_rpe(tmp_path: Path) -> None:
    old = _parse(tmp_path, "\n".join([OLD_HEADER, *OLD_LINES]) + "\n")
    # The same lines with the new columns left blank: the same rows, the same keys.
    blank = _parse(
        tmp_path,
        "\n".join([OLD_HEADER + ",RPE,Duration (min)", *(f"{x},," for x in OLD_LINES)]) + "\n",
    )
    assert [r for _, _, r in old] == [r for _, _, r in blank]
    assert all(isinstance(r, dict) for _, _, r in old)
    assert {(r["rpe"], r["duration_min"]) for _, _, r in old} == {(None, None)}
    # The keys do not hash the new cells: a value added later keeps the line's key.
    rated = _parse(
        tmp_path,
        "\n".join([OLD_HEADER + ",RPE,Duration (min)", OLD_LINES[0] + ",8,45"]) + "\n",
    )
    assert rated[0][2]["set_key"] == old[0][2]["set_key"]
    assert (rated[0][2]["rpe"], rated[0][2]["duration_min"]) == (8.0, 45.0)


def test_rpe_and_duration_parse_and_out_of_range_values_are_quarantined(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Date,Exercise,Reps,Weight,Session RPE,Duration minutes\n"
        "2025-05-01,Deadlift,5,140,7.5,45\n"
        '2025-05-01,Deadlift,5,140,"8,5",60.5\n'  # decimal comma, decimal minutes
        "2025-05-01,Deadlift,5,140,10,\n"
        "2025-05-01,Deadlift,5,140,1,1\n"
        "2025-05-02,Deadlift,5,140,11,45\n"
        "2025-05-02,Deadlift,5,140,0.5,45\n"
        "2025-05-02,Deadlift,5,140,hard,45\n"
        "2025-05-02,Deadlift,5,140,7,0\n"
        "2025-05-02,Deadlift,5,140,7,-10\n"
        "2025-05-02,Deadlift,5,140,7,1441\n"
        "2025-05-02,Deadlift,5,140,nan,\n",
    )
    good = {n: (r["rpe"], r["duration_min"]) for n, _, r in parsed if isinstance(r, dict)}
    bad = {n: str(r) for n, _, r in parsed if isinstance(r, RowError)}
    assert good == {2: (7.5, 45.0), 3: (8.5, 60.5), 4: (10.0, None), 5: (1.0, 1.0)}
    assert bad == {
        6: "rpe: 11 outside [1, 10]",
        7: "rpe: 0.5 outside [1, 10]",
        8: "rpe: not a number: 'hard'",
        9: "duration_min: 0 is not a positive number of minutes",
        10: "duration_min: -10 outside [0, 1440]",
        11: "duration_min: 1441 outside [0, 1440]",
        12: "rpe: nan outside [1, 10]",
    }


def test_the_sheets_api_numbers_are_read_too() -> None:
    body = {
        "range": "Log!A1:I3",
        "values": [
            ["Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes", "RPE", "Duration"],
            [45778, "Deadlift", 3, 5, 140, "kg", "", 6.5, 50],
            [45778, "Deadlift", 3, 5, 140, "kg"],  # ragged: trailing blanks omitted
        ],
    }
    rows = [r for _, _, r in log_rows(sheet_rows(body), athlete_id="a", now=NOW)]
    # "Duration" alone is not a column this source reads (a time cap may live there).
    assert [(r["rpe"], r["duration_min"]) for r in rows] == [(6.5, None), (None, None)]


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    rpe=st.one_of(st.floats(allow_nan=True), st.text(max_size=8), st.sampled_from(["7", "9,5"])),
    duration=st.one_of(st.floats(allow_nan=True), st.text(max_size=8), st.just("")),
)
def test_any_rpe_and_duration_give_a_row_in_range_or_a_named_row_error(
    rpe: Any, duration: Any
) -> None:
    body = {
        "values": [
            ["date", "exercise", "reps", "weight", "rpe", "duration_min"],
            ["2025-05-01", "Deadlift", 5, 140, rpe, duration],
        ]
    }
    [(_, _, result)] = list(log_rows(sheet_rows(body), athlete_id="a", now=NOW))
    if isinstance(result, RowError):
        assert str(result).startswith(("rpe:", "duration_min:", "column ")), result
        return
    assert result["rpe"] is None or 1.0 <= result["rpe"] <= 10.0
    assert result["duration_min"] is None or 0.0 < result["duration_min"] <= 1440.0


def test_the_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    generate_sample_data(tmp_path)
    assert (tmp_path / "crossfit" / "crossfit_log.csv").read_bytes() == SAMPLE_LOG.read_bytes()
    rows = list(csv.DictReader(io.StringIO(SAMPLE_LOG.read_text())))
    days = sorted({r["Date"] for r in rows})
    rated = sorted({r["Date"] for r in rows if r["RPE"]})
    # The recent ~60 % of sessions carry session-RPE inputs, the older ones (the tonnage
    # fallback) none; some days give an RPE on two lines.
    assert rated == days[len(days) - len(rated) :]
    assert 0.55 < len(rated) / len(days) < 0.65
    per_day = {d: [float(r["RPE"]) for r in rows if r["Date"] == d and r["RPE"]] for d in rated}
    assert any(len(v) == 2 for v in per_day.values())


@pytest.mark.parametrize("header", ["RPE,Duration (min)", "rpe,duration_min", "sRPE,Duration mins"])
def test_header_spellings(tmp_path: Path, header: str) -> None:
    [(_, _, row)] = _parse(tmp_path, f"{OLD_HEADER},{header}\n{OLD_LINES[0]},6,30\n")
    assert (row["rpe"], row["duration_min"]) == (6.0, 30.0)
