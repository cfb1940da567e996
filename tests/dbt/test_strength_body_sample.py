"""Strength, session-RPE and body-trend marts on the whole sample, recomputed with pandas.

Only the Withings and CrossFit marts are built (the sample's two files loaded, their staging
and marts materialised); the raw CSVs are parsed independently (tests/dbt/test_marts_sample.py's
readers) and every new column is recomputed here: the single/e1RM rule, best singles, the
progression series, session-RPE, and the weight trend as the recurrence itself, stepped
through every calendar day with numpy's linear interpolation.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import SAMPLE_WEIGHT_CSV, create_database, drop_database
from tests.dbt.marts_sample import (
    ATHLETE,
    CROSSFIT_CSV,
    TZ,
    assert_close,
    assert_days,
    raw_sets,
    raw_weigh_ins,
    read_mart,
)

pytestmark = pytest.mark.slow

SELECTION = " or ".join(
    f"key:{key}"
    for key in (
        "withings/measures",
        "crossfit/sets",
        "staging/exercise_aliases",
        "staging/stg_withings__measures",
        "staging/stg_crossfit__sets",
        "marts/weight_daily",
        "marts/body_weekly",
        "marts/body_overview",
        "marts/crossfit_sets",
        "marts/crossfit_sessions",
        "marts/crossfit_exercise_stats",
        "marts/crossfit_strength_progression",
    )
)
ALPHA = 0.1


@pytest.fixture(scope="module")
def db(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnInfo]:
    """The sample's weigh-ins and CrossFit log loaded, their marts built (dbt tests included)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    database = create_database(pg_server, name)
    ensure_layout(database, reader_password=None)
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("FITELT_DATA_DIR", str(tmp_path_factory.mktemp("strength_body") / "data"))
            mp.setenv("DATABASE_URL", database.url())
            mp.setenv("FITELT_DEFAULT_TIMEZONE", TZ)
            mp.setenv("FITELT_SECRET_KEY", "test-secret-key-not-for-production")
            for key, value in database.libpq_env(prefix="FITELT_PG").items():
                mp.setenv(key, value)
            for var in list(os.environ):
                if var.startswith(("WITHINGS_", "STRAVA_", "GOOGLE_")):
                    mp.delenv(var)
            settings = Settings.from_env()
            inbox = Inbox(settings.inbox_dir, settings.archive_dir)
            for path in (SAMPLE_WEIGHT_CSV, CROSSFIT_CSV):
                inbox.drop(path, ATHLETE)
            result = materialize(SELECTION, instance=dg.DagsterInstance.ephemeral())
            assert succeeded(result), "materialising the sample failed (see the log)"
            yield database
    finally:
        drop_database(pg_server, name)


def _mart(db: ConnInfo, table: str, order: str) -> pd.DataFrame:
    return read_mart(
        db, f"select * from marts.{table} where athlete_id = '{ATHLETE}' order by {order}"
    )


# ---- strength ------------------------------------------------------------------------------


def test_a_single_is_its_own_1rm_in_the_sample(db: ConnInfo) -> None:
    singles = read_mart(
        db,
        "select weight_kg, estimated_1rm_kg, brzycki_1rm_kg from marts.crossfit_sets "
        "where reps = 1 and weight_kg > 0",
    )
    assert len(singles) > 20
    assert (singles["estimated_1rm_kg"] == singles["weight_kg"]).all()  # exactly, not ≈
    assert (singles["brzycki_1rm_kg"] == singles["weight_kg"]).all()


def test_exercise_stats_best_single_matches_pandas(db: ConnInfo) -> None:
    sets = raw_sets()
    singles = sets.loc[(sets["reps"] == 1) & (sets["weight_kg"] > 0)]
    best = singles.groupby("exercise")["weight_kg"].max().rename("best_single_kg")
    reached = singles.merge(best, left_on="exercise", right_index=True)
    reached = reached.loc[reached["weight_kg"] == reached["best_single_kg"]]
    expected = pd.DataFrame(index=sorted(sets["exercise"].unique())).join(best)
    expected["best_single_date"] = reached.groupby("exercise")["session_date"].min()
    actual = _mart(db, "crossfit_exercise_stats", "exercise")
    assert actual["exercise"].tolist() == expected.index.tolist()
    assert_close(actual["best_single_kg"], expected["best_single_kg"], "best_single_kg")
    assert_days(actual["best_single_date"], expected["best_single_date"], "best_single_date")
    assert expected["best_single_kg"].isna().any() and expected["best_single_kg"].notna().any()
    # A single is its own estimate, so the best estimate is never below the best single.
    both = actual.dropna(subset=["best_single_kg"])
    assert (both["best_estimated_1rm_kg"] >= both["best_single_kg"]).all()


def test_strength_progression_matches_pandas(db: ConnInfo) -> None:
    sets = raw_sets()
    weighted = sets.loc[sets["weight_kg"] > 0].copy()
    weighted["single_kg"] = weighted["weight_kg"].where(weighted["reps"] == 1)
    expected = (
        weighted.groupby(["exercise", "session_date"])
        .agg(
            weighted_lines=("weight_kg", "size"),
            max_weight_kg=("weight_kg", "max"),
            best_estimated_1rm_kg=("estimated_1rm_kg", "max"),
            best_brzycki_1rm_kg=("brzycki_1rm_kg", "max"),
            best_single_kg=("single_kg", "max"),
        )
        .reset_index()
    )
    for day_best, running in (
        ("best_estimated_1rm_kg", "running_best_estimated_1rm_kg"),
        ("best_single_kg", "running_best_single_kg"),
    ):  # pandas' cummax leaves a day without a value NaN: carry the best so far over it
        best_so_far = expected.groupby("exercise")[day_best].cummax()
        expected[running] = best_so_far.groupby(expected["exercise"]).ffill()
    before = expected.groupby("exercise")["running_best_estimated_1rm_kg"].shift(1)
    day_best = expected["best_estimated_1rm_kg"]
    expected["is_estimated_1rm_record"] = day_best.notna() & ~(day_best <= before)
    actual = _mart(db, "crossfit_strength_progression", "exercise, session_date")
    assert actual["exercise"].tolist() == expected["exercise"].tolist()
    assert_days(actual["session_date"], expected["session_date"], "session_date")
    assert actual["weighted_lines"].tolist() == expected["weighted_lines"].tolist()
    for column in (
        "max_weight_kg",
        "best_estimated_1rm_kg",
        "best_brzycki_1rm_kg",
        "best_single_kg",
        "running_best_estimated_1rm_kg",
        "running_best_single_kg",
    ):
        assert_close(actual[column], expected[column], column)
    records = actual["is_estimated_1rm_record"].tolist()
    assert records == expected["is_estimated_1rm_record"].tolist()
    assert 0 < sum(records) < len(records)


def test_session_rpe_matches_pandas_and_both_load_paths_exist(db: ConnInfo) -> None:
    sets = raw_sets()
    expected = sets.groupby("session_date").agg(
        rpe=("rpe", "max"), duration_min=("duration_min", "max")
    )
    expected["session_rpe_load"] = expected["rpe"] * expected["duration_min"]
    actual = _mart(db, "crossfit_sessions", "session_date")
    assert_days(actual["session_date"], pd.Series(expected.index), "session_date")
    for column in ("rpe", "duration_min", "session_rpe_load"):
        assert_close(actual[column], expected[column], column)
    # The recent ~60 % of sessions carry sRPE, the older ones fall back to tonnage.
    rated = expected["session_rpe_load"].notna()
    assert 0.55 < rated.mean() < 0.65 and not rated.iloc[0] and rated.iloc[-1]
    # Some days have an RPE on two lines: the max is taken.
    per_day = sets.dropna(subset=["rpe"]).groupby("session_date")["rpe"].nunique()
    assert (per_day > 1).any()


# ---- body ----------------------------------------------------------------------------------


def expected_trend(daily: pd.Series) -> pd.Series:
    """The recurrence itself over every calendar day from the first to the last weigh-in."""
    days = daily.index
    calendar = pd.date_range(days.min(), days.max(), freq="D")
    numbers = (days - days.min()).days.to_numpy()
    values = np.interp((calendar - days.min()).days.to_numpy(), numbers, daily.to_numpy())
    trend = np.empty(len(values))
    trend[0] = values[0]
    for i in range(1, len(values)):
        trend[i] = trend[i - 1] + ALPHA * (values[i] - trend[i - 1])
    return pd.Series(trend, index=calendar)


def test_weight_trend_matches_the_recurrence(db: ConnInfo) -> None:
    weigh_ins = raw_weigh_ins()
    daily = weigh_ins.groupby("day")["weight_kg"].mean()
    trend = expected_trend(daily)
    actual = _mart(db, "weight_daily", "day")
    assert_days(actual["day"], pd.Series(daily.index), "day")  # the sample weighs every row
    assert_close(actual["weight_trend_kg"], trend.reindex(daily.index), "weight_trend_kg")
    # Gaps exist in the sample (vacations), and the trend steps through them: it differs from a
    # trend that skipped the missing days.
    gaps = pd.Series(daily.index).diff().dt.days
    assert gaps.max() >= 4
    skipping = daily.ewm(alpha=ALPHA, adjust=False).mean()
    assert not np.allclose(skipping.to_numpy(), trend.reindex(daily.index).to_numpy())
    # The 7-day mean stays beside it, as before.
    window = daily.rolling("7D").mean()
    assert_close(actual["weight_7d_avg"], window, "weight_7d_avg")
