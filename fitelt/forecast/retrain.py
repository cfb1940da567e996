"""Retrain every athlete's KNN forecasts: models on disk, runs and scenarios in marts.

Called by the `knn_forecast_models` asset; pandas and scikit-learn load with this module, so
the Dagster definitions import it only when the asset runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from fitelt.forecast.store import ensure_tables, missing_inputs, read_inputs, write_athlete
from fitelt.storage import StoragePath
from fitelt.warehouse import ConnInfo
from ml import artifacts
from ml.features import WEIGHT
from ml.scenarios import neighbour_table, scenario_grid, scenario_table
from ml.training import Candidate, TargetOutcome, train_athlete

log = logging.getLogger(__name__)


@dataclass
class RetrainReport:
    """What one retrain did: per athlete/target summaries, scenario rows, or why nothing."""

    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    scenario_rows: int = 0
    status: str | None = None  # set when nothing could be trained


def retrain_all(conn: ConnInfo, models_folder: StoragePath) -> RetrainReport:
    """Train each athlete's weight and fat-ratio models and rewrite their scenario tables."""
    report = RetrainReport()
    missing = missing_inputs(conn)
    if missing:
        report.status = f"{', '.join(missing)} missing: no models trained"
        log.warning(report.status)
        return report
    weeks, daily = read_inputs(conn)
    ensure_tables(conn)
    folder = models_folder
    trained_at = datetime.now(UTC)
    for athlete_id in sorted(set(weeks["athlete_id"]) | set(daily["athlete_id"])):
        outcomes = train_athlete(
            athlete_id,
            weeks.loc[weeks["athlete_id"] == athlete_id],
            daily.loc[daily["athlete_id"] == athlete_id],
            trained_at,
        )
        for outcome in outcomes:
            if outcome.artifact:
                for candidate in outcome.candidates:  # the selected one last: latest.json
                    if candidate.artifact and candidate.artifact is not outcome.artifact:
                        artifacts.save(folder, candidate.artifact, latest=False)
                artifacts.save(folder, outcome.artifact)
            else:
                artifacts.record_no_model(
                    folder, athlete_id, outcome.target.name, str(outcome.message)
                )
            report.summaries[f"{athlete_id}/{outcome.target.name}"] = _summary(outcome)
        scenarios, neighbours = _tables(outcomes)
        runs = [_run_row(o, c, trained_at) for o in outcomes for c in o.candidates]
        write_athlete(conn, athlete_id, runs, scenarios, neighbours)
        report.scenario_rows += len(scenarios)
    return report


def _summary(outcome: TargetOutcome) -> dict[str, Any]:
    if outcome.artifact is None:
        return {"n_weeks": outcome.n_weeks, "message": outcome.message}
    meta = outcome.artifact.metadata
    keys = ("n_weeks", "k", "weights", "mae", "baseline_mae", "baseline_name", "beats_baseline")
    maes = {
        f"mae_{c.feature_set.name}": c.artifact.metadata["mae"] if c.artifact else None
        for c in outcome.candidates
    }
    return {
        **{key: meta[key] for key in keys},
        "model_version": outcome.artifact.model_version,
        "feature_set": meta["feature_set"],
        **maes,
    }


def _run_row(outcome: TargetOutcome, candidate: Candidate, trained_at: datetime) -> dict[str, Any]:
    """One marts.model_runs row per candidate feature set; hyperparameters and scores are null
    when it trained no model; `selected` marks the one the forecast uses."""
    artifact = candidate.artifact
    meta = artifact.metadata if artifact else {}
    return {
        "athlete_id": outcome.athlete_id,
        "target": outcome.target.name,
        "trained_at": trained_at,
        "n_weeks": outcome.n_weeks,
        **{key: meta.get(key) for key in ("k", "weights", "mae", "baseline_mae")},
        **{key: meta.get(key) for key in ("baseline_name", "beats_baseline")},
        "model_version": artifact.model_version if artifact else None,
        "features": ",".join(candidate.feature_set.features),
        "message": candidate.message,
        "feature_set": candidate.feature_set.name,
        "selected": artifact is not None and artifact is outcome.artifact,
    }


def _tables(outcomes: list[TargetOutcome]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenario and neighbour rows; none without a weight model (the grid comes from it)."""
    trained = {o.target.name: o.artifact for o in outcomes if o.artifact}
    weight = trained.pop(WEIGHT.name, None)
    if weight is None:
        return pd.DataFrame(), pd.DataFrame()
    fat = next(iter(trained.values()), None)
    grid = scenario_grid(weight.X)
    neighbours = pd.concat([neighbour_table(a, grid) for a in (weight, fat) if a])
    return scenario_table(weight, fat), neighbours
