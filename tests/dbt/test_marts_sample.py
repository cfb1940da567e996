"""The marts that combine the three sources, on the whole sample (Withings + Strava + CrossFit):
training_load_daily (runs and CrossFit sessions) and ml_training_weeks (weigh-ins, runs, CrossFit
and the training load), each recomputed independently with pandas from the raw sample CSVs
(tests/dbt/marts_sample.py, tests/dbt/training_expectations.py); and that the reader role reads
the marts and nothing else.

The sample warehouse is built once per session (tests/dbt/conftest.py) and shared with
test_marts_sample_crossfit.py and test_marts_sample_running.py. test_strength_body_sample.py and
test_wellness_sample.py import the sample readers from this module.
"""

from __future__ import annotations

import pandas as pd
import psycopg2
import pytest

from fitelt.warehouse import READER_ROLE, ConnInfo
from tests.conftest import query
from tests.dbt import training_expectations as training
from tests.dbt.marts_sample import (
    ATHLETE,
    STRAVA_CSV,
    TZ,
    Built,
    assert_close,
    assert_days,
    expected_sessions,
    monday,
    raw_runs,
    raw_sets,
    raw_weigh_ins,
    read_mart,
)

pytestmark = pytest.mark.slow


def expected_ml_weeks(runs: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    weigh_ins = raw_weigh_ins()
    daily = weigh_ins.groupby("day")[["weight_kg", "fat_ratio_pct"]].mean()
    weeks_of_days = daily.index - pd.to_timedelta(daily.index.weekday, unit="D")
    body = daily.groupby(weeks_of_days).mean()
    calendar = pd.date_range(body.index.min(), body.index.max(), freq="7D")
    frame = pd.DataFrame(index=calendar)
    by_week = runs.groupby("week_start")
    frame["run_distance_km"] = by_week["distance_km"].sum().reindex(calendar).fillna(0.0)
    frame["run_time_h"] = (by_week["moving_time_s"].sum() / 3600).reindex(calendar).fillna(0.0)
    sessions = expected_sessions(sets).groupby("week_start")
    frame["crossfit_sessions"] = sessions.size().reindex(calendar).fillna(0).astype(int)
    tonnage = sessions["tonnage_kg"].sum().reindex(calendar)
    weighted = sessions["weighted_reps"].sum().reindex(calendar)
    frame["avg_weight_per_rep_kg"] = (tonnage / weighted.where(weighted > 0)).fillna(0.0)
    this_week = body.reindex(calendar)
    next_week = body.reindex(calendar + pd.Timedelta(days=7)).set_axis(calendar)
    frame["weight_kg_mean"] = this_week["weight_kg"]
    frame["fat_ratio_pct_mean"] = this_week["fat_ratio_pct"]
    frame["weight_change_next_week"] = next_week["weight_kg"] - this_week["weight_kg"]
    frame["fat_ratio_pct_change_next_week"] = (
        next_week["fat_ratio_pct"] - this_week["fat_ratio_pct"]
    )
    return frame


def test_training_load_daily_matches_pandas(built: Built) -> None:
    actual = read_mart(
        built.db,
        f"select * from marts.training_load_daily where athlete_id = '{ATHLETE}' order by day",
    )
    last_day = pd.Timestamp(actual["day"].iloc[-1])
    assert last_day in {pd.Timestamp(d) for d in built.todays}
    expected = training.expected_training(
        training.strava_activities(STRAVA_CSV, TZ), raw_sets(), last_day.date(), last_day.date()
    )
    assert_days(actual["day"], pd.Series(pd.to_datetime(expected.index)), "day")
    assert actual["runs"].tolist() == expected["runs"].tolist()
    for column in ("activity_load", "crossfit_load", "daily_load", "ctl", "atl", "tsb", "acwr"):
        assert_close(actual[column], expected[column].reset_index(drop=True), column, atol=1e-6)
    assert set(actual["crossfit_load_basis"].dropna()) == {"session_rpe", "tonnage"}
    assert actual["acwr"].head(27).isna().all(), "no ACWR before 28 days of history"
    assert (expected["runs"] == 0).sum() > 100


def test_ml_training_weeks_match_pandas_and_keep_the_contract(built: Built) -> None:
    expected = expected_ml_weeks(raw_runs(), raw_sets())
    actual = read_mart(
        built.db,
        f"select * from marts.ml_training_weeks where athlete_id = '{ATHLETE}' order by week_start",
    )
    types = dict(
        query(
            built.db,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'ml_training_weeks'",
        )
    )
    double = "double precision"
    assert types == {
        "athlete_id": types["athlete_id"],
        "week_start": "date",
        "run_distance_km": double,
        "run_time_h": double,
        "crossfit_sessions": "integer",
        "avg_weight_per_rep_kg": double,
        "weight_kg_mean": double,
        "fat_ratio_pct_mean": double,
        "weight_change_next_week": double,
        "fat_ratio_pct_change_next_week": double,
        "weekly_trimp": double,
        "weekly_load": double,
        "ctl_end": double,
        "atl_end": double,
    }
    assert types["athlete_id"] in ("text", "character varying")
    assert_days(actual["week_start"], pd.Series(expected.index), "week_start")
    assert actual["crossfit_sessions"].tolist() == expected["crossfit_sessions"].tolist()
    for column in ("run_distance_km", "run_time_h", "avg_weight_per_rep_kg", "weight_kg_mean"):
        assert_close(actual[column], expected[column], column)
    assert_close(actual["weight_change_next_week"], expected["weight_change_next_week"], "dw")
    # The export has no fat ratio: the loader derives it rounded to 4 decimals.
    for column in ("fat_ratio_pct_mean", "fat_ratio_pct_change_next_week"):
        assert_close(actual[column], expected[column], column, atol=1e-4)
    # Gaps: weeks without weigh-ins exist, with null means and null targets around them.
    assert expected["weight_kg_mean"].isna().any()
    assert expected["weight_change_next_week"].isna().sum() > 1


def test_ml_training_weeks_load_columns_follow_training_load_daily(built: Built) -> None:
    """Weekly sums of trimp and daily_load; CTL/ATL of the last day on or before Sunday."""
    where = f"where athlete_id = '{ATHLETE}'"
    weeks = read_mart(
        built.db,
        "select week_start, weekly_trimp, weekly_load, ctl_end, atl_end "
        f"from marts.ml_training_weeks {where} order by week_start",
    )
    daily = read_mart(
        built.db,
        f"select day, trimp, daily_load, ctl, atl from marts.training_load_daily {where} "
        "order by day",
    )
    daily["day"] = pd.to_datetime(daily["day"]).astype("datetime64[ns]")
    starts = pd.to_datetime(weeks["week_start"]).astype("datetime64[ns]")
    sums = daily.groupby(monday(daily["day"]))[["trimp", "daily_load"]].sum()
    assert_close(weeks["weekly_trimp"], starts.map(sums["trimp"]).fillna(0.0), "weekly_trimp")
    assert_close(weeks["weekly_load"], starts.map(sums["daily_load"]).fillna(0.0), "weekly_load")
    sundays = pd.DataFrame({"day": starts + pd.Timedelta(days=6)})
    as_of = pd.merge_asof(sundays, daily[["day", "ctl", "atl"]], on="day", direction="backward")
    for column in ("ctl", "atl"):
        assert_close(weeks[f"{column}_end"], as_of[column].fillna(0.0), f"{column}_end")
    assert (weeks["weekly_trimp"] > 0).sum() > 50 and (weeks["ctl_end"] > 0).sum() > 50


def test_reader_role_reads_marts_only(built: Built) -> None:
    reader = built.db.as_user(READER_ROLE, "x")
    assert query(reader, "select count(*) from marts.weight_daily")[0][0] > 100
    for statement in (
        "select count(*) from raw.withings_measures",
        "select count(*) from staging.stg_withings__measures",
        "delete from marts.weight_daily",
        "create table marts.sneaky (id int)",
        "create table public.sneaky (id int)",
    ):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            _rolled_back(reader, statement)


def _rolled_back(conn: ConnInfo, statement: str) -> None:
    """Run `statement` and roll it back: the sample warehouse is shared (were a write allowed,
    the test fails without changing what the other tests read)."""
    db = psycopg2.connect(conn.dsn())
    try:
        with db.cursor() as cur:
            cur.execute(statement)
    finally:
        db.rollback()
        db.close()
