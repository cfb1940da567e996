"""The CrossFit marts on the whole sample: crossfit_sets, crossfit_sessions and
crossfit_exercise_stats, recomputed independently with pandas from the raw CrossFit log
(tests/dbt/marts_sample.py: exercise names resolved with the seed's aliases and a regex of our
own, pounds converted, Epley and Brzycki 1RM).

The sample warehouse is built once per session (tests/dbt/conftest.py) and shared with
test_marts_sample.py and test_marts_sample_running.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.dbt.marts_sample import (
    ATHLETE,
    Built,
    assert_close,
    assert_days,
    expected_sessions,
    raw_sets,
    read_mart,
)

pytestmark = pytest.mark.slow


def test_crossfit_sets_match_pandas(built: Built) -> None:
    expected = raw_sets()
    actual = read_mart(
        built.db,
        f"select * from marts.crossfit_sets where athlete_id = '{ATHLETE}' order by row_number",
    )
    assert actual["row_number"].tolist() == expected["row_number"].tolist()
    for column in ("exercise", "exercise_as_typed", "sets", "reps", "is_bodyweight", "total_reps"):
        assert actual[column].tolist() == expected[column].tolist(), column
    assert_days(actual["session_date"], expected["session_date"], "session_date")
    assert_days(actual["week_start"], expected["week_start"], "week_start")
    for column in ("weight_kg", "tonnage_kg", "estimated_1rm_kg", "brzycki_1rm_kg"):
        assert_close(actual[column], expected[column], column)
    # Both sides of the Epley cut-off, singles and bodyweight lines are in the sample.
    assert (expected["reps"] > 10).any() and expected["is_bodyweight"].any()
    assert ((expected["reps"] == 1) & (expected["weight_kg"] > 0)).sum() > 20
    assert expected["estimated_1rm_kg"].notna().sum() > 100


def test_crossfit_sessions_match_pandas(built: Built) -> None:
    expected = expected_sessions(raw_sets())
    actual = read_mart(
        built.db,
        f"select * from marts.crossfit_sessions where athlete_id = '{ATHLETE}' "
        "order by session_date",
    )
    assert_days(actual["session_date"], pd.Series(expected.index), "session_date")
    assert_days(actual["week_start"], expected["week_start"], "week_start")
    for column in ("exercises", "set_lines", "total_sets", "total_reps", "weighted_reps"):
        assert actual[column].tolist() == expected[column].tolist(), column
    assert_close(actual["tonnage_kg"], expected["tonnage_kg"], "tonnage_kg")
    assert_close(
        actual["avg_weight_per_rep_kg"], expected["avg_weight_per_rep_kg"], "avg_weight_per_rep"
    )


def test_crossfit_exercise_stats_match_pandas(built: Built) -> None:
    sets = raw_sets()
    grouped = sets.groupby("exercise")
    expected = grouped.agg(
        sessions=("session_date", "nunique"),
        total_sets=("sets", "sum"),
        total_reps=("total_reps", "sum"),
        max_weight_kg=("weight_kg", "max"),
        max_reps=("reps", "max"),
        tonnage_kg=("tonnage_kg", "sum"),
        weighted_reps=("weighted_reps", "sum"),
        best_estimated_1rm_kg=("estimated_1rm_kg", "max"),
        first_done=("session_date", "min"),
        last_done=("session_date", "max"),
    )
    expected["avg_weight_per_rep_kg"] = expected["tonnage_kg"] / expected["weighted_reps"].where(
        expected["weighted_reps"] > 0
    )
    best = sets.merge(expected["best_estimated_1rm_kg"], left_on="exercise", right_index=True)
    reached = best.loc[best["estimated_1rm_kg"] >= best["best_estimated_1rm_kg"] - 1e-9]
    expected["best_estimated_1rm_date"] = reached.groupby("exercise")["session_date"].min()
    actual = read_mart(
        built.db,
        f"select * from marts.crossfit_exercise_stats where athlete_id = '{ATHLETE}' "
        "order by exercise",
    )
    assert actual["exercise"].tolist() == expected.index.tolist()
    for column in ("sessions", "total_sets", "total_reps", "max_reps"):
        assert actual[column].tolist() == expected[column].tolist(), column
    for column in ("max_weight_kg", "tonnage_kg", "avg_weight_per_rep_kg", "best_estimated_1rm_kg"):
        assert_close(actual[column], expected[column], column)
    for column in ("best_estimated_1rm_date", "first_done", "last_done"):
        assert_days(actual[column], expected[column], column)
    assert expected["best_estimated_1rm_kg"].isna().any(), "bodyweight movements have no 1RM"
