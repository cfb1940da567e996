"""Training per athlete per target: check the data suffices, backtest, fit, package."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from .artifacts import ModelArtifact, content_hash
from .evaluate import backtest
from .features import FEATURES, TARGETS, Target, training_set
from .model import MIN_WEEKS, fit

log = logging.getLogger(__name__)


class NotEnoughData(Exception):
    """Fewer usable weeks than the cross-validation needs: no model is trained."""

    def __init__(self, n_weeks: int, needed: int) -> None:
        self.n_weeks = n_weeks
        self.needed = needed
        super().__init__(f"not enough data: {n_weeks} weeks, need {needed}")


@dataclass(frozen=True)
class TargetOutcome:
    """The result of training one target: an artefact, or the reason there is none."""

    athlete_id: str
    target: Target
    n_weeks: int
    artifact: ModelArtifact | None = None
    message: str | None = None


def latest_level(daily: pd.DataFrame, target: Target) -> tuple[float, str] | None:
    """The most recent non-null 7-day average of the target and its day, if any."""
    known = daily.loc[daily[target.level_column].notna()]
    if known.empty:
        return None
    last = known.sort_values("day").iloc[-1]
    return float(last[target.level_column]), pd.Timestamp(last["day"]).strftime("%Y-%m-%d")


def train_target(
    athlete_id: str,
    weeks: pd.DataFrame,
    daily: pd.DataFrame,
    target: Target,
    trained_at: datetime,
) -> ModelArtifact:
    """Backtest and fit one athlete's model for `target`; NotEnoughData if the weeks are few."""
    data = training_set(weeks, target)
    if len(data) < MIN_WEEKS:
        raise NotEnoughData(len(data), MIN_WEEKS)
    evaluation = backtest(data.X, data.y)
    model, selection = fit(data.X, data.y)
    params = {"k": selection.k, "weights": selection.weights}
    level = latest_level(daily, target)
    metadata = {
        **params,
        "trained_at": trained_at.isoformat(),
        "n_weeks": len(data),
        "first_week": data.weeks[0],
        "last_week": data.weeks[-1],
        "cv_mae": selection.cv_mae,
        "mae": evaluation.mae,
        "baseline_mae": evaluation.baseline_mae,
        "baseline_name": evaluation.baseline_name,
        "baselines": evaluation.baselines,
        "backtest_weeks": evaluation.n_predictions,
        "beats_baseline": evaluation.beats_baseline,
        "start_level": level[0] if level else None,
        "start_day": level[1] if level else None,
        "unit": target.unit,
    }
    digest = content_hash(athlete_id, target.name, FEATURES, params, data.X, data.y, data.weeks)
    return ModelArtifact(
        athlete_id=athlete_id,
        target=target.name,
        model=model,
        features=FEATURES,
        X=data.X,
        y=data.y,
        weeks=data.weeks,
        content_hash=digest,
        metadata=metadata,
    )


def train_athlete(
    athlete_id: str, weeks: pd.DataFrame, daily: pd.DataFrame, trained_at: datetime
) -> list[TargetOutcome]:
    """One outcome per target in TARGETS for one athlete's weeks and daily weights."""
    outcomes = []
    for target in TARGETS:
        n_weeks = len(training_set(weeks, target))
        try:
            artifact = train_target(athlete_id, weeks, daily, target, trained_at)
        except NotEnoughData as exc:
            log.info("%s/%s: %s", athlete_id, target.name, exc)
            outcomes.append(TargetOutcome(athlete_id, target, n_weeks, message=str(exc)))
            continue
        meta = artifact.metadata
        log.info(
            "%s/%s: k=%s %s, MAE %.3f vs %s %.3f%s",
            athlete_id,
            target.name,
            meta["k"],
            meta["weights"],
            meta["mae"],
            meta["baseline_name"],
            meta["baseline_mae"],
            "" if artifact.beats_baseline else " (worse than baseline: flagged)",
        )
        outcomes.append(TargetOutcome(athlete_id, target, n_weeks, artifact=artifact))
    return outcomes
