"""The whole sample (Withings + Strava + CrossFit) materialised once; every running, CrossFit,
training-load and ML mart recomputed independently with pandas from the raw sample CSVs.

The Strava export is read by column position (its header repeats names), never with our parser;
exercise names are resolved with the seed's aliases and a regex of our own.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import numpy as np
import pandas as pd
import psycopg2
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import (
    PROJECT_ROOT,
    SAMPLE_WEIGHT_CSV,
    create_database,
    drop_database,
    query,
)
from tests.dbt import training_expectations as training

pytestmark = pytest.mark.slow

STRAVA_CSV = PROJECT_ROOT / "sample_data" / "strava" / "activities.csv"
CROSSFIT_CSV = PROJECT_ROOT / "sample_data" / "crossfit" / "crossfit_log.csv"
ALIASES_CSV = PROJECT_ROOT / "dbt_project" / "seeds" / "exercise_aliases.csv"
TZ = "Europe/Paris"
ATHLETE = "demo"
# Everything downstream of the three sources, except the report site and the forecast.
SELECTION = (
    "(group:withings+ or group:strava+ or group:crossfit+)"
    " and not key:report_site and not key:knn_forecast_models"
)
REFERENCE_WEIGHT_KG = 70.0
LB_TO_KG = 0.45359237


@dataclass(frozen=True)
class Built:
    db: ConnInfo
    todays: frozenset[date]  # local "today" before and after the build (midnight may pass)


def local_today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


@pytest.fixture(scope="module")
def built(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One installation for the module: the three sample files loaded and every mart built."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    ensure_layout(db, reader_password=None)
    data_dir = tmp_path_factory.mktemp("marts_sample") / "data"
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("FITELT_DATA_DIR", str(data_dir))
            mp.setenv("DATABASE_URL", db.url())
            mp.setenv("FITELT_DEFAULT_TIMEZONE", TZ)
            mp.setenv("FITELT_SECRET_KEY", "test-secret-key-not-for-production")
            # The warehouse resource exports these for dbt; patching them first restores them.
            for key, value in db.libpq_env(prefix="FITELT_PG").items():
                mp.setenv(key, value)
            for var in list(os.environ):
                if var.startswith(("WITHINGS_", "STRAVA_", "GOOGLE_")):
                    mp.delenv(var)
            settings = Settings.from_env()
            inbox = Inbox(settings.inbox_dir, settings.archive_dir)
            for path in (SAMPLE_WEIGHT_CSV, STRAVA_CSV, CROSSFIT_CSV):
                inbox.drop(path, ATHLETE)
            before = local_today()
            result = materialize(SELECTION, instance=dg.DagsterInstance.ephemeral())
            assert succeeded(result), "materialising the sample failed (see the log)"
            yield Built(db, frozenset({before, local_today()}))
    finally:
        drop_database(pg_server, name)


def read_mart(db: ConnInfo, sql: str) -> pd.DataFrame:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        columns = [c.name for c in cur.description]
        rows = cur.fetchall()
    conn.close()
    return pd.DataFrame(rows, columns=columns)


def monday(days: pd.Series) -> pd.Series:
    return days - pd.to_timedelta(days.dt.weekday, unit="D")


def assert_close(actual: pd.Series, expected: pd.Series, name: str, atol: float = 1e-9) -> None:
    a = pd.to_numeric(pd.Series(actual), errors="coerce").astype(float).to_numpy()
    e = pd.Series(expected).astype(float).to_numpy()
    assert len(a) == len(e), f"{name}: {len(a)} rows, expected {len(e)}"
    assert (np.isnan(a) == np.isnan(e)).all(), f"{name}: nulls differ"
    np.testing.assert_allclose(a[~np.isnan(a)], e[~np.isnan(e)], rtol=1e-9, atol=atol, err_msg=name)


def assert_days(actual: pd.Series, expected: pd.Series, name: str) -> None:
    a = [None if v is None or pd.isna(v) else pd.Timestamp(v) for v in actual]
    e = [None if pd.isna(v) else pd.Timestamp(v) for v in expected]
    assert a == e, name


# ---- the raw sample, parsed independently -------------------------------------------------


def raw_weigh_ins() -> pd.DataFrame:
    """Withings export: local wall-clock times; fat ratio = fat mass / weight."""
    raw = pd.read_csv(SAMPLE_WEIGHT_CSV)
    local = pd.to_datetime(raw["Date"])
    frame = pd.DataFrame(
        {
            "measured_at": local.dt.tz_localize(TZ).dt.tz_convert("UTC"),
            "day": local.dt.normalize(),
            "weight_kg": raw["Weight (kg)"].astype(float),
            "fat_ratio_pct": raw["Fat mass (kg)"] / raw["Weight (kg)"] * 100,
        }
    )
    return frame.sort_values("measured_at", ignore_index=True)


def raw_runs() -> pd.DataFrame:
    """Strava export by position: 0 id, 1 date (UTC), 3 type, 15 elapsed s, 16 moving s,
    17 distance m, 20 elevation gain, 30 max HR, 31 average HR (the second, precise columns)."""
    raw = pd.read_csv(STRAVA_CSV, header=None, skiprows=1, dtype=str, keep_default_na=False)
    runs = raw.loc[raw[3].isin(["Run", "Trail Run", "Virtual Run"])]

    def number(col: int) -> pd.Series:
        return pd.to_numeric(runs[col].replace("", np.nan)).astype(float)

    started = pd.to_datetime(runs[1], format="%b %d, %Y, %I:%M:%S %p").dt.tz_localize("UTC")
    local = started.dt.tz_convert(TZ).dt.tz_localize(None)
    frame = pd.DataFrame(
        {
            "activity_id": runs[0].astype("int64"),
            "sport_type": runs[3].str.replace(" ", "", regex=False),
            "started_at": started,
            "started_at_local": local,
            "run_day": local.dt.normalize(),
            "distance_km": number(17) / 1000,
            "moving_time_s": number(16).round(),
            "elapsed_time_s": number(15).round(),
            "elevation_gain_m": number(20),
            "average_heartrate": number(31),
            "max_heartrate": number(30),
        }
    )
    frame["week_start"] = monday(frame["run_day"])
    frame["pace_min_per_km"] = frame["moving_time_s"] / 60 / frame["distance_km"]
    frame["speed_kmh"] = frame["distance_km"] / (frame["moving_time_s"] / 3600)
    frame = frame.sort_values(["started_at", "activity_id"], ignore_index=True)
    weigh_ins = raw_weigh_ins()[["measured_at", "weight_kg"]].rename(
        columns={"measured_at": "weighed_at", "weight_kg": "weight_kg_at_run"}
    )
    frame = pd.merge_asof(
        frame,
        weigh_ins,
        left_on="started_at",
        right_on="weighed_at",
        direction="backward",
        allow_exact_matches=True,
    )
    frame["weight_normalised_pace_min_per_km"] = (
        frame["pace_min_per_km"] * REFERENCE_WEIGHT_KG / frame["weight_kg_at_run"]
    )
    for column in ("activity_id", "distance_km", "pace_min_per_km", "speed_kmh"):
        frame[f"previous_{column}"] = frame[column].shift(1)
    return frame


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def raw_sets() -> pd.DataFrame:
    """CrossFit log: one row per line (row_number = CSV line), canonical exercise via the seed."""
    raw = pd.read_csv(CROSSFIT_CSV, dtype={"Unit": str, "Notes": str})
    aliases = pd.read_csv(ALIASES_CSV)
    canonical = {
        normalise(a): e for a, e in zip(aliases["alias"], aliases["exercise"], strict=True)
    }
    keys = raw["Exercise"].map(normalise)
    factor = np.where(raw["Unit"].fillna("").str.lower().isin(["lb", "lbs"]), LB_TO_KG, 1.0)
    sets = pd.DataFrame(
        {
            "row_number": raw.index + 2,  # line 1 is the header; no quoted newline in the sample
            "session_date": pd.to_datetime(raw["Date"]),
            "exercise_as_typed": raw["Exercise"],
            "exercise": [canonical.get(k, k) for k in keys],
            "sets": raw["Sets"].fillna(1).astype(int),
            "reps": raw["Reps"].astype(int),
            "weight_kg": (raw["Weight"] * factor).round(3),
        }
    )
    sets["week_start"] = monday(sets["session_date"])
    sets["is_bodyweight"] = sets["weight_kg"].isna()
    sets["total_reps"] = sets["sets"] * sets["reps"]
    sets["tonnage_kg"] = sets["total_reps"] * sets["weight_kg"]
    sets["weighted_reps"] = sets["total_reps"].where(sets["weight_kg"].notna(), 0)
    # A single is the 1RM (its weight); Epley for 2-10 reps; Brzycki 36 / (37 - reps) for 1-10.
    estimable = (sets["reps"] <= 10) & (sets["weight_kg"] > 0)
    epley = sets["weight_kg"].where(sets["reps"] == 1, sets["weight_kg"] * (1 + sets["reps"] / 30))
    sets["estimated_1rm_kg"] = epley.where(estimable)
    sets["brzycki_1rm_kg"] = (sets["weight_kg"] * 36 / (37 - sets["reps"])).where(estimable)
    sets["rpe"] = raw["RPE"].astype(float)
    sets["duration_min"] = raw["Duration (min)"].astype(float)
    return sets


def expected_sessions(sets: pd.DataFrame) -> pd.DataFrame:
    sessions = sets.groupby("session_date").agg(
        week_start=("week_start", "first"),
        exercises=("exercise", "nunique"),
        set_lines=("exercise", "size"),
        total_sets=("sets", "sum"),
        total_reps=("total_reps", "sum"),
        weighted_reps=("weighted_reps", "sum"),
        tonnage_kg=("tonnage_kg", "sum"),  # all-NaN sums to 0
    )
    sessions["avg_weight_per_rep_kg"] = sessions["tonnage_kg"] / sessions["weighted_reps"].where(
        sessions["weighted_reps"] > 0
    )
    return sessions


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


# ---- the comparisons ------------------------------------------------------------------------


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
