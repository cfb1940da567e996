"""Synthetic athlete weeks for the forecast tests: a known training → weight relation + noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

MONDAY = pd.Timestamp("2023-01-02")


def synthetic_weeks(
    n_weeks: int = 104,
    *,
    seed: int = 0,
    signal: bool = True,
    athlete_id: str = "demo",
    load_signal: bool = False,
) -> pd.DataFrame:
    """Rows shaped like marts.ml_training_weeks for one athlete.

    With `signal`, next week's weight change is 0.4 − 0.02 × run km − 0.05 × CrossFit sessions
    (+ N(0, 0.08) noise): strictly lower for more running. Without it, the changes are pure
    N(0, 0.3) noise, independent of the training.

    The training-load columns come from a hidden weekly intensity (U(0.5, 1.5), drawn from
    their own generator so the other columns do not depend on them): weekly_trimp = 60 × run
    hours × intensity, weekly_load = weekly_trimp + 30 × CrossFit sessions, and ctl_end /
    atl_end the recurrence of training_load_daily over days carrying weekly_load / 7. With
    `load_signal` the changes follow weekly_trimp instead of run km (0.4 − 0.006 × TRIMP −
    0.05 × CrossFit + N(0, 0.08)): the four default features see run hours, not intensity.
    """
    rng = np.random.default_rng(seed)
    run_km = rng.uniform(0, 40, n_weeks)
    run_h = run_km / 10 + rng.normal(0, 0.2, n_weeks).clip(-0.5, 0.5)
    crossfit = rng.integers(0, 5, n_weeks)
    avg_weight = np.where(crossfit > 0, rng.uniform(20, 60, n_weeks), 0.0)
    load = _load_columns(run_h.clip(0), crossfit, np.random.default_rng(seed + 10_000))
    if load_signal:
        trimp = load["weekly_trimp"]
        weight_change = 0.4 - 0.006 * trimp - 0.05 * crossfit + rng.normal(0, 0.08, n_weeks)
        fat_change = 0.1 - 0.002 * trimp - 0.02 * crossfit + rng.normal(0, 0.03, n_weeks)
    elif signal:
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
            **load,
        }
    )


def _load_columns(
    run_h: np.ndarray, crossfit: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    intensity = rng.uniform(0.5, 1.5, len(run_h))
    trimp = 60 * run_h * intensity
    weekly_load = trimp + 30 * crossfit
    ctl, atl, ctl_end, atl_end = 0.0, 0.0, [], []
    for week_load in weekly_load:
        for _ in range(7):
            ctl += (week_load / 7 - ctl) / 42
            atl += (week_load / 7 - atl) / 7
        ctl_end.append(ctl)
        atl_end.append(atl)
    return {
        "weekly_trimp": trimp,
        "weekly_load": weekly_load,
        "ctl_end": np.array(ctl_end),
        "atl_end": np.array(atl_end),
    }


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
