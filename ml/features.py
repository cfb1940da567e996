"""What the forecast learns from (weekly training) and what it predicts (next week's change)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Columns of marts.ml_training_weeks, in the order the model sees them.
FEATURES: tuple[str, ...] = (
    "run_distance_km",
    "run_time_h",
    "crossfit_sessions",
    "avg_weight_per_rep_kg",
)
# The training-load variant adds these (marts.ml_training_weeks, from training_load_daily)
# after the four plan features, so a variant's first columns are FEATURES in the same order.
LOAD_FEATURES: tuple[str, ...] = ("ctl_end", "atl_end", "weekly_trimp")


@dataclass(frozen=True)
class FeatureSet:
    """A named list of model inputs; model_runs.feature_set holds the name."""

    name: str
    features: tuple[str, ...]

    @property
    def has_load(self) -> bool:
        return any(f in LOAD_FEATURES for f in self.features)


DEFAULT = FeatureSet("default", FEATURES)
TRAINING_LOAD = FeatureSet("training_load", FEATURES + LOAD_FEATURES)
FEATURE_SETS: tuple[FeatureSet, ...] = (DEFAULT, TRAINING_LOAD)


@dataclass(frozen=True)
class Target:
    """One forecast quantity: its weekly-change column and where its current level is read."""

    name: str  # used in artefact paths, model_runs.target and the CLI
    change_column: str  # in marts.ml_training_weeks: next week's mean minus this week's
    level_column: str  # in marts.weight_daily: the 7-day average the forecast starts from
    unit: str


WEIGHT = Target("weight_kg", "weight_change_next_week", "weight_7d_avg", "kg")
FAT_RATIO = Target("fat_ratio_pct", "fat_ratio_pct_change_next_week", "fat_ratio_pct_7d_avg", "%")
TARGETS: tuple[Target, ...] = (WEIGHT, FAT_RATIO)


@dataclass(frozen=True)
class TrainingSet:
    """Weeks usable for one target, oldest first: features, target change and week labels."""

    X: np.ndarray
    y: np.ndarray
    weeks: tuple[str, ...]  # ISO dates of week_start

    def __len__(self) -> int:
        return len(self.y)


def training_set(
    weeks: pd.DataFrame, target: Target, features: tuple[str, ...] = FEATURES
) -> TrainingSet:
    """Rows of one athlete with a known target, sorted by week; missing training counts as 0.

    A week without a run or a CrossFit session has no activity rows, so a null feature means
    "none that week", never "unknown" (the load features are 0 before any training); a null
    target means a week without weigh-ins on either side, which cannot be learnt from and is
    dropped.
    """
    usable = weeks.loc[weeks[target.change_column].notna()].sort_values("week_start")
    X = usable[list(features)].astype(float).fillna(0.0).to_numpy()
    y = usable[target.change_column].astype(float).to_numpy()
    labels = tuple(pd.to_datetime(usable["week_start"]).dt.strftime("%Y-%m-%d"))
    return TrainingSet(X=X, y=y, weeks=labels)


def feature_rows(settings: list[dict[str, float]]) -> np.ndarray:
    """Weekly training settings as an n×len(FEATURES) array, columns in FEATURES order."""
    return np.array([[float(s[name]) for name in FEATURES] for s in settings], dtype=float)
