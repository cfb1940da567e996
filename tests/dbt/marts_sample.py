"""The whole sample (Withings + Strava + CrossFit) for the marts tests: where it is, how it is
materialised, and its raw CSVs parsed independently with pandas.

The Strava export is read by column position (its header repeats names), never with our parser;
exercise names are resolved with the seed's aliases and a regex of our own. The warehouse is built
once per test session (fixture `marts_sample`, tests/dbt/conftest.py); the marts are compared in
test_marts_sample.py (training load, ML weeks), test_marts_sample_crossfit.py and
test_marts_sample_running.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from tests.conftest import PROJECT_ROOT, SAMPLE_WEIGHT_CSV

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
    data_dir: Path  # the installation's FITELT_DATA_DIR


def local_today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


@contextmanager
def installation_env(db: ConnInfo, data_dir: Path) -> Iterator[None]:
    """The environment of the sample's installation, while the block runs."""
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
        yield


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
