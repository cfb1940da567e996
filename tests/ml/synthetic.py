"""Synthetic athlete weeks for the forecast tests: a known training → weight relation + noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

MONDAY = pd.Timestamp("2023-01-02")


def synthetic_weeks(
    n_weeks: int = 104, *, seed: int = 0, signal: bool = True, athlete_id: str = "demo"
) -> pd.DataFrame:
    """Rows shaped like marts.ml_training_weeks for one athlete.

    With `signal`, next week's weight change is 0.4 − 0.02 × run km − 0.05 × CrossFit sessions
    (+ N(0, 0.08) noise): strictly lower for more running. Without it, the changes are pure
    N(0, 0.3) noise, independent of the training.
    """
    rng = np.random.default_rng(seed)
    run_km = rng.uniform(0, 40, n_weeks)
    run_h = run_km / 10 + rng.normal(0, 0.2, n_weeks).clip(-0.5, 0.5)
    crossfit = rng.integers(0, 5, n_weeks)
    avg_weight = np.where(crossfit > 0, rng.uniform(20, 60, n_weeks), 0.0)
    if signal:
        weight_change = 0.4 - 0.02 * run_km - 0.05 * crossfit + rng.normal(0, 0.08, n_weeks)
        fat_change = 0.1 - 0.006 * run_km - 0.02 * crossfit + rng.normal(0, 0.03, n_weeks)
    else:
        weight_change = rng.normal(0, 0.3, n_weeks)
        fat_change = rng.normal(0, 0.1, n_weeks)
    weight_mean = 80 + np.concatenate([[0.0], np.cumsum(weight_change)[:-1]])
    fat_mean = 22 + np.concatenate([[0.0], np.cumsum(fat_change)[:-1]])
    return pd.DataFrame(
        {
            "athlete_id": athlete_id,
            "week_start": [(MONDAY + pd.Timedelta(weeks=i)).date() for i in range(n_weeks)],
            "run_distance_km": run_km,
            "run_time_h": run_h.clip(0),
            "crossfit_sessions": crossfit,
            "avg_weight_per_rep_kg": avg_weight,
            "weight_kg_mean": weight_mean,
            "fat_ratio_pct_mean": fat_mean,
            "weight_change_next_week": weight_change,
            "fat_ratio_pct_change_next_week": fat_change,
        }
    )


def synthetic_daily(weeks: pd.DataFrame) -> pd.DataFrame:
    """Rows shaped like marts.weight_daily: one weigh-in per day at each week's mean."""
    rows = []
    for week in weeks.itertuples():
        for offset in range(7):
            rows.append(
                {
                    "athlete_id": week.athlete_id,
                    "day": pd.Timestamp(week.week_start) + pd.Timedelta(days=offset),
                    "weight_kg": week.weight_kg_mean,
                    "fat_ratio_pct": week.fat_ratio_pct_mean,
                }
            )
    daily = pd.DataFrame(rows)
    daily["weight_7d_avg"] = daily["weight_kg"].rolling(7, min_periods=1).mean()
    daily["fat_ratio_pct_7d_avg"] = daily["fat_ratio_pct"].rolling(7, min_periods=1).mean()
    return daily
