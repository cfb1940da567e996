"""The running marts on the whole sample: runs (each run's weigh-in, weight-normalised pace and
previous run) and running_weekly (zero weeks up to this week), recomputed independently with
pandas from the raw Strava export read by column position (tests/dbt/marts_sample.py); then the
runs model's incremental run, from states an earlier run could have left, gives the full build.

The sample warehouse is built once per session (tests/dbt/conftest.py) and shared with
test_marts_sample.py and test_marts_sample_crossfit.py; the incremental tests leave marts.runs
as they found it.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd
import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import query
from tests.dbt.marts_sample import (
    ATHLETE,
    Built,
    assert_close,
    assert_days,
    raw_runs,
    read_mart,
)

pytestmark = pytest.mark.slow


RUN_NUMBERS = [
    "distance_km", "moving_time_s", "elapsed_time_s", "elevation_gain_m", "average_heartrate",
    "max_heartrate", "pace_min_per_km", "speed_kmh", "weight_kg_at_run",
    "weight_normalised_pace_min_per_km", "previous_activity_id", "previous_distance_km",
    "previous_pace_min_per_km", "previous_speed_kmh",
]  # fmt: skip


def test_runs_match_pandas(built: Built) -> None:
    expected = raw_runs()
    actual = read_mart(
        built.db,
        f"select * from marts.runs where athlete_id = '{ATHLETE}' order by started_at, activity_id",
    )
    assert actual["activity_id"].tolist() == expected["activity_id"].tolist()
    assert actual["sport_type"].tolist() == expected["sport_type"].tolist()
    assert set(expected["sport_type"]) == {"Run", "TrailRun"}, "rides and walks are not runs"
    assert (pd.to_datetime(actual["started_at"], utc=True) == expected["started_at"]).all()
    assert_days(actual["started_at_local"], expected["started_at_local"], "started_at_local")
    assert_days(actual["run_day"], expected["run_day"], "run_day")
    assert_days(actual["week_start"], expected["week_start"], "week_start")
    weighed = pd.to_datetime(actual["weighed_at"], utc=True)
    assert (
        (weighed == expected["weighed_at"]) | (weighed.isna() & expected["weighed_at"].isna())
    ).all()
    for column in RUN_NUMBERS:
        assert_close(actual[column], expected[column], column)
    # The sample has the cases that matter: runs before the first weigh-in would be null.
    assert expected["weight_kg_at_run"].notna().sum() > 400
    assert actual["previous_activity_id"].isna().sum() == 1


def test_running_weekly_matches_pandas_with_zero_weeks_up_to_this_week(built: Built) -> None:
    runs = raw_runs()
    actual = read_mart(
        built.db,
        f"select * from marts.running_weekly where athlete_id = '{ATHLETE}' order by week_start",
    )
    last_week = pd.Timestamp(actual["week_start"].iloc[-1])
    assert last_week in {pd.Timestamp(d) - pd.Timedelta(days=d.weekday()) for d in built.todays}
    weekly = runs.groupby("week_start").agg(
        runs=("activity_id", "size"),
        distance_km=("distance_km", "sum"),
        moving_time_s=("moving_time_s", "sum"),
        elevation_m=("elevation_gain_m", "sum"),
    )
    calendar = pd.date_range(weekly.index.min(), last_week, freq="7D")
    weekly = weekly.reindex(calendar, fill_value=0)
    assert_days(actual["week_start"], pd.Series(calendar), "week_start")
    iso = calendar.isocalendar()
    assert actual["iso_year"].tolist() == iso["year"].tolist()
    assert actual["iso_week"].tolist() == iso["week"].tolist()
    assert actual["runs"].tolist() == weekly["runs"].tolist()
    assert_close(actual["distance_km"], weekly["distance_km"], "distance_km")
    assert_close(actual["moving_time_h"], weekly["moving_time_s"] / 3600, "moving_time_h")
    assert_close(actual["elevation_m"], weekly["elevation_m"], "elevation_m")
    assert (weekly["runs"] == 0).sum() >= 5, "the sample should have weeks without runs"


RUNS_SNAPSHOT = (
    "select athlete_id, activity_id, weighed_at, weight_kg_at_run, previous_activity_id, "
    "previous_distance_km, weight_normalised_pace_min_per_km from marts.runs order by 1, 2"
)


def damage_then_run_incrementally(db: ConnInfo, statements: list[str]) -> None:
    """Put marts.runs in the state an earlier run could have left, then run it incrementally."""
    full = query(db, RUNS_SNAPSHOT)
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()
    assert query(db, RUNS_SNAPSHOT) != full
    assert succeeded(materialize("key:marts/runs", instance=dg.DagsterInstance.ephemeral()))
    assert query(db, RUNS_SNAPSHOT) == full


def test_runs_incremental_picks_up_late_weigh_ins_and_drops_non_runs(built: Built) -> None:
    """Runs stored before their weigh-in was loaded get it (far outside the 28-day lookback);
    a stored row that is no longer a run in staging is deleted."""
    damage_then_run_incrementally(
        built.db,
        [
            "update marts.runs set weight_kg_at_run = null, weighed_at = null, "
            "weight_normalised_pace_min_per_km = null "
            "where started_at between '2025-01-01' and '2025-02-01'",
            "insert into marts.runs (athlete_id, activity_id, started_at, started_at_local, "
            "run_day, week_start, sport_type) values ('demo', 1, '2025-06-01 08:00+00', "
            "'2025-06-01 10:00', '2025-06-01', '2025-05-26', 'Run')",
        ],
    )


def test_runs_incremental_adds_new_and_backfilled_runs(built: Built) -> None:
    """New runs, old runs a bulk export backfills (the run after them gets its previous run
    again), and a stale previous-run value within the lookback are all recomputed."""
    damage_then_run_incrementally(
        built.db,
        [
            "delete from marts.runs where started_at >= '2026-09-01'",
            "delete from marts.runs where started_at between '2024-03-01' and '2024-03-20'",
            "update marts.runs set previous_distance_km = -1 where activity_id = "
            "(select max(activity_id) from marts.runs)",
        ],
    )
