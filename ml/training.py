"""Training per athlete per target: check the data suffices, backtest, fit, package, select.

Each target is trained twice, on the seed's four features (``default``) and on those plus the
athlete's training load (``training_load``: CTL and ATL at the week's end, weekly TRIMP), with
the same walk-forward backtest on the same weeks. The variant is selected only when its
backtest MAE is strictly below the default's; otherwise (ties included) the default is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from .artifacts import ModelArtifact, content_hash
from .evaluate import backtest
from .features import DEFAULT, FEATURE_SETS, TARGETS, FeatureSet, Target, training_set
from .load_plan import fit_load_map
from .model import MIN_WEEKS, fit

log = logging.getLogger(__name__)


class NotEnoughData(Exception):
    """Fewer usable weeks than the cross-validation needs: no model is trained."""

    def __init__(self, n_weeks: int, needed: int) -> None:
        self.n_weeks = n_weeks
        self.needed = needed
        super().__init__(f"not enough data: {n_weeks} weeks, need {needed}")


@dataclass(frozen=True)
class Candidate:
    """One feature set trained for a target: its artefact, or why there is none."""

    feature_set: FeatureSet
    artifact: ModelArtifact | None = None
    message: str | None = None


@dataclass(frozen=True)
class TargetOutcome:
    """The result of training one target: the selected artefact (or the reason there is none)
    and every candidate feature set, selected or not."""

    athlete_id: str
    target: Target
    n_weeks: int
    artifact: ModelArtifact | None = None
    message: str | None = None
    candidates: tuple[Candidate, ...] = ()

    @property
    def selected(self) -> str | None:
        """Name of the selected feature set, None when no model was trained."""
        return self.artifact.metadata["feature_set"] if self.artifact else None


def select_candidate(candidates: list[Candidate]) -> Candidate | None:
    """The default if trained, replaced by a variant only if its backtest MAE is strictly lower."""
    scores = {id(c): c.artifact.metadata["mae"] for c in candidates if c.artifact is not None}
    default = next((c for c in candidates if c.feature_set == DEFAULT), None)
    if default is None or id(default) not in scores:
        return None
    best = default
    for candidate in candidates:
        if id(candidate) in scores and scores[id(candidate)] < scores[id(best)]:
            best = candidate
    return best


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
    feature_set: FeatureSet = DEFAULT,
) -> ModelArtifact:
    """Backtest and fit one athlete's model for `target` on `feature_set`; NotEnoughData if
    the weeks are few."""
    features = feature_set.features
    data = training_set(weeks, target, features)
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
        "feature_set": feature_set.name,
        # How a weekly plan maps to the load features (ml/load_plan.py); None without them.
        "load_map": fit_load_map(weeks) if feature_set.has_load else None,
    }
    digest = content_hash(athlete_id, target.name, features, params, data.X, data.y, data.weeks)
    return ModelArtifact(
        athlete_id=athlete_id,
        target=target.name,
        model=model,
        features=features,
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
        candidates = [
            _candidate(athlete_id, weeks, daily, target, feature_set, trained_at)
            for feature_set in FEATURE_SETS
        ]
        chosen = select_candidate(candidates)
        if chosen is not None:
            name = chosen.feature_set.name
            log.info("%s/%s: %s features selected", athlete_id, target.name, name)
        outcomes.append(
            TargetOutcome(
                athlete_id,
                target,
                n_weeks,
                artifact=chosen.artifact if chosen else None,
                message=None if chosen else candidates[0].message,
                candidates=tuple(candidates),
            )
        )
    return outcomes


def _candidate(
    athlete_id: str,
    weeks: pd.DataFrame,
    daily: pd.DataFrame,
    target: Target,
    feature_set: FeatureSet,
    trained_at: datetime,
) -> Candidate:
    label = f"{athlete_id}/{target.name}/{feature_set.name}"
    missing = [name for name in feature_set.features if name not in weeks.columns]
    if missing:
        message = f"marts.ml_training_weeks has no {', '.join(missing)} (rebuild it)"
        log.warning("%s: %s", label, message)
        return Candidate(feature_set, message=message)
    try:
        artifact = train_target(athlete_id, weeks, daily, target, trained_at, feature_set)
    except NotEnoughData as exc:
        log.info("%s: %s", label, exc)
        return Candidate(feature_set, message=str(exc))
    meta = artifact.metadata
    log.info(
        "%s: k=%s %s, MAE %.3f vs %s %.3f%s",
        label,
        meta["k"],
        meta["weights"],
        meta["mae"],
        meta["baseline_name"],
        meta["baseline_mae"],
        "" if artifact.beats_baseline else " (worse than baseline: flagged)",
    )
    return Candidate(feature_set, artifact=artifact)
