"""The model: scaled features → k nearest weeks, with k and weighting chosen by time-series CV.

Choice of hyperparameters: expanding-window cross-validation (sklearn ``TimeSeriesSplit``,
``CV_SPLITS`` folds): each fold trains on every week before its test block, so a week is never
predicted from its own future. The (k, weights) pair with the lowest mean fold MAE wins; ties go
to the smaller k, then to 'uniform' (candidates are tried in that order and only a strictly
better score replaces the incumbent), so the same data always gives the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import TimeSeriesSplit
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

CANDIDATE_K: tuple[int, ...] = (3, 5, 7, 10, 15, 20)
CANDIDATE_WEIGHTS: tuple[str, ...] = ("uniform", "distance")
CV_SPLITS = 3
BACKTEST_SPLITS = 3

# The honest backtest (ml/evaluate.py) tests on the later half of the weeks, so its first
# training window holds n/2 weeks; CV inside that window trains its first fold on a quarter of
# it, which must hold at least the smallest k: n/2/(CV_SPLITS+1) >= min(k).
MIN_WEEKS = 2 * (CV_SPLITS + 1) * min(CANDIDATE_K)


@dataclass(frozen=True)
class Selection:
    """The chosen hyperparameters and their cross-validated MAE."""

    k: int
    weights: str
    cv_mae: float


def make_pipeline(k: int, weights: str) -> Pipeline:
    """StandardScaler + KNeighborsRegressor.

    Exact k-d tree search: no randomness, and (unlike brute force, which goes through an OpenMP
    reduction costing ~25 ms a call on small machines) fast for a few hundred weeks.
    """
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("knn", KNeighborsRegressor(n_neighbors=k, weights=weights, algorithm="kd_tree")),
        ]
    )


def select_params(X: np.ndarray, y: np.ndarray, splits: int = CV_SPLITS) -> Selection:
    """(k, weights) minimising the mean MAE over expanding-window folds of (X, y)."""
    folds = list(TimeSeriesSplit(n_splits=splits).split(X))
    smallest_train = min(len(train) for train, _ in folds)
    ks = [k for k in CANDIDATE_K if k <= smallest_train]
    if not ks:
        raise ValueError(f"{len(y)} weeks leave {smallest_train} for the first CV fold")
    best: Selection | None = None
    for k in ks:
        for weights in CANDIDATE_WEIGHTS:
            errors = [
                _mae(y[test], make_pipeline(k, weights).fit(X[train], y[train]).predict(X[test]))
                for train, test in folds
            ]
            score = float(np.mean(errors))
            if best is None or score < best.cv_mae:
                best = Selection(k=k, weights=weights, cv_mae=score)
    assert best is not None
    return best


def fit(X: np.ndarray, y: np.ndarray) -> tuple[Pipeline, Selection]:
    """Select hyperparameters on (X, y), then refit on all of it."""
    selection = select_params(X, y)
    return make_pipeline(selection.k, selection.weights).fit(X, y), selection


def _mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted)))
