"""`fitelt forecast`: where weight and fat ratio go if a weekly training plan is kept up."""

from __future__ import annotations

import argparse
import logging
import sys

import numpy as np

from fitelt.settings import Settings
from ml.artifacts import ModelArtifact, NoModel, load_latest
from ml.features import FEATURES, TARGETS, WEIGHT
from ml.load_plan import weekly_totals
from ml.scenarios import cumulative_change, forecast

log = logging.getLogger("fitelt")

# CLI option → model feature; an option left out takes the athlete's median week.
OPTIONS = {
    "run_km": "run_distance_km",
    "run_hours": "run_time_h",
    "crossfit": "crossfit_sessions",
    "avg_weight": "avg_weight_per_rep_kg",
}


def run_forecast(args: argparse.Namespace) -> int:
    """Print the forecast of each trained target from the latest artefacts (no database)."""
    settings = Settings.from_env()
    athlete_id = args.athlete or settings.default_athlete
    folder = settings.models_dir
    models: dict[str, ModelArtifact] = {}
    for target in TARGETS:
        try:
            models[target.name] = load_latest(folder, athlete_id, target.name)
        except NoModel as exc:
            log.warning("%s", exc)
    if WEIGHT.name not in models:
        log.error(
            "no forecast model yet for athlete %r: it is trained by the knn_forecast_models "
            "asset (`fitelt materialize --select knn_forecast_models`)",
            athlete_id,
        )
        return 1
    setting = _setting(args, models[WEIGHT.name])
    sys.stdout.write(_header(athlete_id, args.weeks, setting))
    for target in TARGETS:
        if target.name in models:
            sys.stdout.write(_line(models[target.name], setting, args.weeks, target.unit))
            sys.stdout.write(_load_note(models[target.name], setting))
    return 0


def _setting(args: argparse.Namespace, model: ModelArtifact) -> dict[str, float]:
    """The weekly plan from the options, medians of the athlete's weeks for those left out."""
    setting = {}
    for option, feature in OPTIONS.items():
        column = model.X[:, FEATURES.index(feature)]
        value = getattr(args, option)
        if value is None:
            value = float(np.median(column))
        elif not column.min() <= value <= column.max():
            log.warning(
                "%s = %g is outside this athlete's history (%g–%g): the nearest weeks are far "
                "from it, so the forecast says little",
                option.replace("_", "-"),
                value,
                column.min(),
                column.max(),
            )
        setting[feature] = float(value)
    return setting


def _header(athlete_id: str, weeks: int, s: dict[str, float]) -> str:
    return (
        f"athlete {athlete_id}: {weeks} week(s) of {s['run_distance_km']:g} km running in "
        f"{s['run_time_h']:g} h, {s['crossfit_sessions']:g} CrossFit session(s) averaging "
        f"{s['avg_weight_per_rep_kg']:g} kg per rep, every week\n"
    )


def _line(model: ModelArtifact, setting: dict[str, float], weeks: int, unit: str) -> str:
    meta = model.metadata
    quality = (
        f"model {model.model_version} ({meta.get('feature_set', 'default')} features, "
        f"k={meta['k']}, {meta['weights']}), backtest MAE "
        f"{meta['mae']:.3f} vs {meta['baseline_name']} {meta['baseline_mae']:.3f} {unit}/week"
    )
    if not model.beats_baseline:
        log.warning(
            "the %s model does worse than the naive %s baseline in backtests "
            "(MAE %.3f vs %.3f): do not trust this forecast more than 'no change'",
            model.target,
            meta["baseline_name"],
            meta["mae"],
            meta["baseline_mae"],
        )
        quality += " [FLAGGED: worse than baseline]"
    predicted, low, high = forecast(model, setting, weeks)
    if predicted is None or low is None or high is None:
        change = cumulative_change(model, setting, weeks)
        return f"{model.target}: change {change:+.2f} {unit} (no recent level), {quality}\n"
    return (
        f"{model.target}: {meta['start_level']:.2f} → {predicted:.2f} {unit} "
        f"(band {low:.2f}–{high:.2f}) from the 7-day average of {meta['start_day']}, "
        f"{quality}\n"
    )


def _load_note(model: ModelArtifact, setting: dict[str, float]) -> str:
    """For a training-load model: the TRIMP and CTL/ATL start it assumed for the plan."""
    load_map = model.metadata.get("load_map")
    if not load_map:
        return ""
    totals = weekly_totals(load_map, setting)
    return (
        f"  (training-load model: the plan estimated at {totals['weekly_trimp']:.0f} TRIMP and "
        f"{totals['weekly_load']:.0f} load a week from your own weeks; CTL "
        f"{load_map['start_ctl']:.1f} / ATL {load_map['start_atl']:.1f} of the week of "
        f"{load_map['start_week']} carried forward under it)\n"
    )
