"""What-if forecasts: keep one weekly training setting for h weeks, where do weight and fat go?

* Grid: each feature takes its ``LEVELS`` quantiles (10th, 50th, 90th percentile) over the
  athlete's own training weeks, so scenarios stay inside what the neighbours can speak for;
  the grid is their product, each with every horizon in ``HORIZONS`` (1–12 weeks).
* Model inputs per week: the setting itself for a default model; for the training-load variant
  the setting plus the CTL, ATL and weekly TRIMP that keeping it would give in week i
  (ml/load_plan.py: estimated from the athlete's own weeks, CTL/ATL run forward from now).
* Centre: the level after h weeks is the latest 7-day average + Σ of the predicted one-week
  changes of weeks 1..h (a default model predicts the same change every week: h × it).
* Band (low/high): centre ∓ ``Z_80`` × √(Σ s_i²) over weeks 1..h, where s_i is the spread
  (weighted standard deviation, with the model's own neighbour weights) of the k neighbour
  weeks' observed changes for week i. This is an approximate 10th–90th percentile band that
  assumes week-to-week deviations are independent and roughly normal, so with a constant s it
  widens with √h, not h.
* Neighbours: those of the plan's first week.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from .artifacts import ModelArtifact
from .features import FEATURES
from .load_plan import plan_rows

LEVELS: tuple[float, ...] = (0.1, 0.5, 0.9)
HORIZONS: tuple[int, ...] = tuple(range(1, 13))
Z_80 = 1.2815515655446004  # standard normal 90th percentile
# How finely each feature's grid values are rounded (decimal places) so they read naturally.
_DECIMALS = {
    "run_distance_km": 1,
    "run_time_h": 2,
    "crossfit_sessions": 0,
    "avg_weight_per_rep_kg": 1,
}
SCENARIO_COLUMNS = (
    "athlete_id",
    "model_version",
    "run_km",
    "run_hours",
    "crossfit_sessions",
    "avg_weight_kg",
    "horizon_weeks",
    "predicted_weight_kg",
    "weight_low",
    "weight_high",
    "predicted_fat_ratio_pct",
    "fat_low",
    "fat_high",
    "model_beats_baseline",
)
NEIGHBOUR_COLUMNS = (
    "athlete_id",
    "target",
    "model_version",
    "run_km",
    "run_hours",
    "crossfit_sessions",
    "avg_weight_kg",
    "rank",
    "week_start",
    "distance",
    "knn_weight",
    "neighbour_run_km",
    "neighbour_run_hours",
    "neighbour_crossfit_sessions",
    "neighbour_avg_weight_kg",
    "change_next_week",
)


def scenario_grid(X: np.ndarray, levels: tuple[float, ...] = LEVELS) -> list[dict[str, float]]:
    """Weekly settings: the product of each feature's distinct quantiles over history `X`."""
    axes = []
    for j, name in enumerate(FEATURES):
        values = np.round(np.quantile(X[:, j], levels), _DECIMALS[name])
        axes.append(sorted({float(v) for v in values}))
    return [dict(zip(FEATURES, combo, strict=True)) for combo in itertools.product(*axes)]


def neighbours(artifact: ModelArtifact, setting: dict[str, float]) -> pd.DataFrame:
    """The historical weeks a first-week prediction for `setting` averages, nearest first."""
    dist, idx = _kneighbors(artifact, _first_weeks(artifact, [setting]))
    frame = pd.DataFrame(artifact.X[idx[0]], columns=list(artifact.features))
    frame.insert(0, "rank", np.arange(1, idx.shape[1] + 1))
    frame.insert(1, "week_start", [artifact.weeks[i] for i in idx[0]])
    frame.insert(2, "distance", dist[0])
    frame.insert(3, "knn_weight", _weights(dist, artifact.model.named_steps["knn"].weights)[0])
    frame["change_next_week"] = artifact.y[idx[0]]
    return frame


def trajectories(
    artifact: ModelArtifact, settings: list[dict[str, float]], horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per setting (rows) and week 1..horizon (columns): the predicted one-week change and the
    neighbours' weighted spread."""
    rows = np.vstack([_plan(artifact, s, horizon) for s in settings])
    dist, idx = _kneighbors(artifact, rows)
    w = _weights(dist, artifact.model.named_steps["knn"].weights)
    changes = artifact.y[idx]
    mean = np.sum(w * changes, axis=1)
    spread = np.sqrt(np.sum(w * (changes - mean[:, None]) ** 2, axis=1))
    return mean.reshape(len(settings), horizon), spread.reshape(len(settings), horizon)


def weekly_changes(
    artifact: ModelArtifact, settings: list[dict[str, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Per setting: the predicted change of the plan's first week and its neighbours' spread."""
    mean, spread = trajectories(artifact, settings, 1)
    return mean[:, 0], spread[:, 0]


def cumulative_change(artifact: ModelArtifact, setting: dict[str, float], horizon: int) -> float:
    """The predicted change over `horizon` weeks of keeping `setting` (no start level needed)."""
    return float(np.sum(trajectories(artifact, [setting], horizon)[0]))


def forecast(
    artifact: ModelArtifact, setting: dict[str, float], horizon: int
) -> tuple[float | None, float | None, float | None]:
    """(predicted, low, high) level after `horizon` weeks at `setting`; Nones without a start."""
    change, spread = trajectories(artifact, [setting], horizon)
    return _levels(artifact, change[0], spread[0], horizon)


def scenario_version(weight: ModelArtifact, fat: ModelArtifact | None) -> str:
    """The scenario rows' model_version: '<weight version>+<fat version>' (fat only if trained)."""
    return weight.model_version + (f"+{fat.model_version}" if fat else "")


def scenario_table(
    weight: ModelArtifact, fat: ModelArtifact | None, horizons: tuple[int, ...] = HORIZONS
) -> pd.DataFrame:
    """Rows of marts.forecast_scenarios for one athlete: grid × horizons, both targets."""
    version = scenario_version(weight, fat)
    beats = weight.beats_baseline and (fat is None or fat.beats_baseline)
    grid = scenario_grid(weight.X)
    weight_levels = _grid_levels(weight, grid, horizons)
    fat_levels = _grid_levels(fat, grid, horizons) if fat else None
    rows = []
    for i, setting in enumerate(grid):
        for j, h in enumerate(horizons):
            rows.append(
                (weight.athlete_id, version, setting["run_distance_km"], setting["run_time_h"])
                + (int(setting["crossfit_sessions"]), setting["avg_weight_per_rep_kg"], h)
                + weight_levels[i][j]
                + (fat_levels[i][j] if fat_levels else (None, None, None))
                + (beats,)
            )
    return pd.DataFrame(rows, columns=list(SCENARIO_COLUMNS))


def neighbour_table(artifact: ModelArtifact, grid: list[dict[str, float]]) -> pd.DataFrame:
    """Rows of marts.forecast_neighbours: for each grid setting, the weeks its forecast used."""
    dist, idx = _kneighbors(artifact, _first_weeks(artifact, grid))
    weights = _weights(dist, artifact.model.named_steps["knn"].weights)
    rows = []
    for i, setting in enumerate(grid):
        key = (artifact.athlete_id, artifact.target, artifact.model_version)
        key += (setting["run_distance_km"], setting["run_time_h"])
        key += (int(setting["crossfit_sessions"]), setting["avg_weight_per_rep_kg"])
        for rank, j in enumerate(idx[i], start=1):
            past = artifact.X[j]
            rows.append(
                key
                + (rank, artifact.weeks[j], float(dist[i, rank - 1]), float(weights[i, rank - 1]))
                + (float(past[0]), float(past[1]), int(round(past[2])), float(past[3]))
                + (float(artifact.y[j]),)
            )
    return pd.DataFrame(rows, columns=list(NEIGHBOUR_COLUMNS))


def _grid_levels(
    artifact: ModelArtifact, grid: list[dict[str, float]], horizons: tuple[int, ...]
) -> list[list[tuple[float | None, float | None, float | None]]]:
    change, spread = trajectories(artifact, grid, max(horizons))
    return [
        [_levels(artifact, c, s, h) for h in horizons] for c, s in zip(change, spread, strict=True)
    ]


def _levels(
    artifact: ModelArtifact, changes: np.ndarray, spreads: np.ndarray, horizon: int
) -> tuple[float | None, float | None, float | None]:
    start = artifact.metadata.get("start_level")
    if start is None:
        return None, None, None
    centre = start + float(np.sum(changes[:horizon]))
    half = Z_80 * math.sqrt(float(np.sum(spreads[:horizon] ** 2)))
    return centre, centre - half, centre + half


def _plan(artifact: ModelArtifact, setting: dict[str, float], horizon: int) -> np.ndarray:
    return plan_rows(artifact.features, artifact.metadata.get("load_map"), setting, horizon)


def _first_weeks(artifact: ModelArtifact, settings: list[dict[str, float]]) -> np.ndarray:
    return np.vstack([_plan(artifact, s, 1) for s in settings])


def _kneighbors(artifact: ModelArtifact, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scaler, knn = artifact.model.named_steps["scale"], artifact.model.named_steps["knn"]
    return knn.kneighbors(scaler.transform(rows))


def _weights(dist: np.ndarray, mode: str) -> np.ndarray:
    """Row-normalised weights KNeighborsRegressor gives these neighbours (exact matches win)."""
    if mode == "uniform":
        raw = np.ones_like(dist)
    else:
        with np.errstate(divide="ignore"):
            raw = 1.0 / dist
        exact = dist == 0
        has_exact = exact.any(axis=1)
        raw[has_exact] = exact[has_exact].astype(float)
    return raw / raw.sum(axis=1, keepdims=True)
