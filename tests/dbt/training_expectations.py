"""The sample athlete's training load recomputed with pandas from the raw exports (no tests here).

Written from the formulas in training_load_daily.yml / activities.yml, never from the SQL: the
Strava export's rows (one activity each in the CSV-only sample), Banister's TRIMP from the
average heart rate with the defaults an athlete without settings gets (rest 60, male
coefficients, max = the highest max heart rate of the last 12 months), the duration fallback,
CrossFit scaled to the median TRIMP, then the recurrences and the rolling windows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

REST, K, B = 60.0, 0.64, 1.92
TYPICAL_RESERVE = {"running": 0.60, "swimming": 0.55, "hiking": 0.45, "walking": 0.30}
FAMILIES = {
    "Run": "running", "TrailRun": "running", "VirtualRun": "running", "Ride": "cycling",
    "VirtualRide": "cycling", "Walk": "walking", "Hike": "hiking", "Swim": "swimming",
}  # fmt: skip


def strava_activities(strava_csv: Path, timezone: str) -> pd.DataFrame:
    """Every export row: id, sport family, local day, moving minutes, average and max HR."""
    raw = pd.read_csv(strava_csv, header=None, skiprows=1, dtype=str, keep_default_na=False)

    def number(col: int) -> pd.Series:
        return pd.to_numeric(raw[col].replace("", np.nan)).astype(float)

    started = pd.to_datetime(raw[1], format="%b %d, %Y, %I:%M:%S %p").dt.tz_localize("UTC")
    sport_type = raw[3].str.replace(" ", "", regex=False)
    return pd.DataFrame(
        {
            "activity_id": raw[0].astype("int64"),
            "sport": sport_type.map(FAMILIES).fillna("other"),
            "started_at": started,
            "day": started.dt.tz_convert(timezone).dt.date,
            "minutes": number(16).round() / 60,
            "average_heartrate": number(31),
            "max_heartrate": number(30),
        }
    )


def banister(minutes: pd.Series, reserve: pd.Series | float) -> pd.Series:
    return minutes * reserve * K * np.exp(B * reserve)


def activity_loads(activities: pd.DataFrame, today: date) -> pd.DataFrame:
    year_ago = pd.Timestamp(today, tz="UTC") - pd.DateOffset(months=12)
    recent = activities.loc[activities["started_at"] >= year_ago, "max_heartrate"]
    max_hr = recent.max() if recent.notna().any() else activities["max_heartrate"].max()
    reserve = ((activities["average_heartrate"] - REST) / (max_hr - REST)).clip(0, 1)
    measured = (activities["average_heartrate"] > 0) & (activities["minutes"] > 0)
    frame = activities.assign(trimp=banister(activities["minutes"], reserve).where(measured))
    per_min = (frame["trimp"] / frame["minutes"]).where(frame["trimp"].notna())
    by_sport = per_min.groupby(frame["sport"]).median()
    default = frame["sport"].map(TYPICAL_RESERVE).fillna(0.5).map(lambda r: banister(1.0, r))
    factor = frame["sport"].map(by_sport).fillna(per_min.median()).fillna(default)
    return frame.assign(load=frame["trimp"].fillna(frame["minutes"] * factor))


def crossfit_loads(sets: pd.DataFrame, reference: float) -> pd.DataFrame:
    """Per session day: rpe and duration the max of the lines', the score, the scaled load."""
    sessions = sets.groupby(sets["session_date"].dt.date).agg(
        total_reps=("total_reps", "sum"), tonnage_kg=("tonnage_kg", "sum"),
        rpe=("rpe", "max"), duration_min=("duration_min", "max"),
    )  # fmt: skip
    srpe = sessions["rpe"] * sessions["duration_min"]
    tonnage = sessions["tonnage_kg"] / 100 + sessions["total_reps"] / 10
    basis = np.where(srpe.notna(), "session_rpe", "tonnage")
    score = srpe.fillna(tonnage)
    scale = pd.Series(basis, index=sessions.index).map(
        {b: reference / score[basis == b].median() for b in set(basis)}
    )
    return sessions.assign(crossfit_load=score * scale)


def expected_training(
    activities: pd.DataFrame, sets: pd.DataFrame, today: date, last_day: date
) -> pd.DataFrame:
    acts = activity_loads(activities, today)
    crossfit = crossfit_loads(sets, float(acts.loc[acts["trimp"] > 0, "trimp"].median()))
    by_day = acts.groupby("day").agg(
        activity_load=("load", "sum"),
        runs=("sport", lambda s: int((s == "running").sum())),
    )
    days = pd.date_range(min(by_day.index.min(), crossfit.index.min()), last_day).date
    daily = pd.DataFrame(index=days)
    daily["activity_load"] = by_day["activity_load"].reindex(days).fillna(0.0)
    daily["runs"] = by_day["runs"].reindex(days).fillna(0).astype(int)
    daily["crossfit_load"] = crossfit["crossfit_load"].reindex(days).fillna(0.0)
    daily["daily_load"] = daily["activity_load"] + daily["crossfit_load"]
    load = daily["daily_load"].to_numpy()
    ctl, atl = np.zeros(len(load)), np.zeros(len(load))
    for i, x in enumerate(load):
        ctl[i] = (ctl[i - 1] if i else 0.0) + (x - (ctl[i - 1] if i else 0.0)) / 42
        atl[i] = (atl[i - 1] if i else 0.0) + (x - (atl[i - 1] if i else 0.0)) / 7
    daily["ctl"], daily["atl"] = ctl, atl
    daily["tsb"] = np.concatenate([[0.0], ctl[:-1] - atl[:-1]])
    acute = np.convolve(load, np.ones(7))[: len(load)] / 7
    chronic = np.convolve(load, np.ones(28))[: len(load)] / 28
    warm = np.arange(1, len(load) + 1) >= 28
    ratio = np.divide(acute, chronic, out=np.full(len(load), np.nan), where=chronic > 0)
    daily["acwr"] = np.where(warm, ratio, np.nan)
    return daily
