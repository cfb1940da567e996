"""How a weekly plan (the four FEATURES) becomes the inputs of the training-load variant.

A plan says how far and how long to run, how many CrossFit sessions and what weight per rep;
it says nothing about heart rate. A model with LOAD_FEATURES gets, for week i of the horizon:

* ``weekly_trimp`` and the week's total load (``weekly_load``, Σ daily_load, what CTL and ATL
  are computed from): each a least-squares line on the four plan features (plus an intercept)
  fitted over all of the athlete's weeks, clipped at 0 — what the athlete's own weeks of that
  shape carried;
* ``ctl_end`` / ``atl_end``: the recurrence of training_load_daily (``x_d = x_(d−1) +
  (load_d − x_(d−1)) / τ``, τ = 42 for CTL, 7 for ATL) run forward from the athlete's latest
  week in marts.ml_training_weeks with the plan's weekly load spread evenly over its 7 days.
  In closed form, after n days at daily load D: ``x_n = D + (x_0 − D)·(1 − 1/τ)^n``; week i
  ends at n = 7i.

So CTL and ATL move from where the athlete is towards what the plan sustains; a default-model
artefact (no load features) gets the same plan row every week.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .features import FEATURES, LOAD_FEATURES

CTL_DAYS = 42
ATL_DAYS = 7
MAPPED = ("weekly_trimp", "weekly_load")  # the weekly totals estimated from the plan


def fit_load_map(weeks: pd.DataFrame) -> dict[str, Any]:
    """Plan → weekly totals coefficients and the latest CTL/ATL, for an artefact's metadata."""
    ordered = weeks.sort_values("week_start")
    design = np.column_stack(
        [np.ones(len(ordered)), ordered[list(FEATURES)].astype(float).fillna(0.0).to_numpy()]
    )
    coefficients = {}
    for column in MAPPED:
        observed = ordered[column].astype(float).fillna(0.0).to_numpy()
        solution, *_ = np.linalg.lstsq(design, observed, rcond=None)
        coefficients[column] = [float(c) for c in solution]
    last = ordered.iloc[-1]
    return {
        "coefficients": coefficients,
        "start_ctl": float(np.nan_to_num(float(last["ctl_end"]))),
        "start_atl": float(np.nan_to_num(float(last["atl_end"]))),
        "start_week": pd.Timestamp(last["week_start"]).strftime("%Y-%m-%d"),
    }


def weekly_totals(load_map: dict[str, Any], setting: dict[str, float]) -> dict[str, float]:
    """The plan's estimated weekly_trimp and weekly_load (never negative)."""
    row = np.array([1.0, *(float(setting[name]) for name in FEATURES)])
    return {
        column: max(0.0, float(row @ np.array(load_map["coefficients"][column])))
        for column in MAPPED
    }


def plan_rows(
    features: tuple[str, ...],
    load_map: dict[str, Any] | None,
    setting: dict[str, float],
    horizon: int,
) -> np.ndarray:
    """horizon × len(features): the model input of each week of keeping `setting`."""
    plan = [float(setting[name]) for name in FEATURES]
    if not any(name in LOAD_FEATURES for name in features):
        return np.tile([float(setting[name]) for name in features], (horizon, 1))
    if load_map is None:
        raise ValueError("a training-load model needs its load map (metadata['load_map'])")
    totals = weekly_totals(load_map, setting)
    daily = totals["weekly_load"] / 7
    rows = []
    for week in range(1, horizon + 1):
        values = dict(zip(FEATURES, plan, strict=True))
        values["weekly_trimp"] = totals["weekly_trimp"]
        values["ctl_end"] = _decay(load_map["start_ctl"], daily, CTL_DAYS, 7 * week)
        values["atl_end"] = _decay(load_map["start_atl"], daily, ATL_DAYS, 7 * week)
        rows.append([values[name] for name in features])
    return np.array(rows, dtype=float)


def _decay(start: float, daily_load: float, tau: int, days: int) -> float:
    return daily_load + (start - daily_load) * (1 - 1 / tau) ** days
