"""Honest evaluation: a walk-forward backtest of the whole training procedure vs naive baselines.

The later half of the weeks is cut into ``BACKTEST_SPLITS`` consecutive test blocks. For each
block the procedure that makes the production model (hyperparameter CV + fit) runs again on the
weeks before the block only, and predicts the block: nested, so the reported MAE is not the
optimistic score that picked k. The baselines predict the same weeks from what was known then:

* ``zero_change`` — next week's mean equals this week's;
* ``trailing_mean_4w`` — the mean of the last ``TRAILING_WEEKS`` known weekly changes.

The model is flagged (``beats_baseline`` False) unless its MAE is strictly below the best one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import TimeSeriesSplit

from .model import BACKTEST_SPLITS, make_pipeline, select_params

TRAILING_WEEKS = 4


@dataclass(frozen=True)
class Backtest:
    """Out-of-sample MAE of the model and of each baseline on the same weeks."""

    mae: float
    baselines: dict[str, float]
    n_predictions: int

    @property
    def baseline_name(self) -> str:
        return min(self.baselines, key=lambda name: (self.baselines[name], name))

    @property
    def baseline_mae(self) -> float:
        return self.baselines[self.baseline_name]

    @property
    def beats_baseline(self) -> bool:
        return self.mae < self.baseline_mae


def baseline_predictions(y: np.ndarray, test: np.ndarray) -> dict[str, np.ndarray]:
    """What each naive forecaster says for the weeks `test`, using only earlier targets."""
    trailing = [float(np.mean(y[max(0, i - TRAILING_WEEKS) : i])) if i else 0.0 for i in test]
    return {
        "zero_change": np.zeros(len(test)),
        f"trailing_mean_{TRAILING_WEEKS}w": np.array(trailing),
    }


def backtest(X: np.ndarray, y: np.ndarray, splits: int = BACKTEST_SPLITS) -> Backtest:
    """Nested walk-forward MAE of select-then-fit, and of the baselines, on the later weeks."""
    test_size = max(1, len(y) // (2 * splits))
    outer = TimeSeriesSplit(n_splits=splits, test_size=test_size)
    actual: list[np.ndarray] = []
    model_pred: list[np.ndarray] = []
    base_pred: dict[str, list[np.ndarray]] = {}
    for train, test in outer.split(X):
        chosen = select_params(X[train], y[train])
        model = make_pipeline(chosen.k, chosen.weights).fit(X[train], y[train])
        actual.append(y[test])
        model_pred.append(model.predict(X[test]))
        for name, pred in baseline_predictions(y, test).items():
            base_pred.setdefault(name, []).append(pred)
    truth = np.concatenate(actual)
    return Backtest(
        mae=_mae(truth, np.concatenate(model_pred)),
        baselines={name: _mae(truth, np.concatenate(p)) for name, p in base_pred.items()},
        n_predictions=len(truth),
    )


def _mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted)))
