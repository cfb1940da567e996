"""The training-load variant (default features + CTL, ATL, weekly TRIMP): trained beside the
default with the same walk-forward backtest, selected only when its MAE is strictly lower, and
usable by the scenarios (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from ml.features import DEFAULT, FEATURES, LOAD_FEATURES, TRAINING_LOAD, WEIGHT
from ml.load_plan import ATL_DAYS, CTL_DAYS, plan_rows, weekly_totals
from ml.scenarios import forecast, neighbour_table, scenario_grid, scenario_table, trajectories
from ml.training import Candidate, select_candidate, train_athlete, train_target
from tests.ml.synthetic import synthetic_daily, synthetic_weeks

T0 = datetime(2024, 6, 3, 5, tzinfo=UTC)


def _by_set(outcome) -> dict[str, Candidate]:
    return {c.feature_set.name: c for c in outcome.candidates}


@pytest.mark.parametrize("seed", [0, 1])
def test_variant_is_selected_when_the_load_carries_the_signal(seed: int) -> None:
    weeks = synthetic_weeks(104, seed=seed, load_signal=True)
    for outcome in train_athlete("demo", weeks, synthetic_daily(weeks), T0):
        candidates = _by_set(outcome)
        assert set(candidates) == {"default", "training_load"}
        default, variant = candidates["default"].artifact, candidates["training_load"].artifact
        assert default is not None and variant is not None
        assert variant.features == FEATURES + LOAD_FEATURES and default.features == FEATURES
        # Same weeks, same walk-forward backtest: only the features differ.
        assert variant.weeks == default.weeks
        assert variant.metadata["backtest_weeks"] == default.metadata["backtest_weeks"]
        assert variant.metadata["mae"] < default.metadata["mae"]
        assert outcome.artifact is variant and outcome.selected == "training_load"


@pytest.mark.parametrize("seed", [0, 1])
def test_default_is_kept_when_the_load_adds_nothing(seed: int) -> None:
    weeks = synthetic_weeks(104, seed=seed)  # the changes follow run km, not intensity
    for outcome in train_athlete("demo", weeks, synthetic_daily(weeks), T0):
        candidates = _by_set(outcome)
        default, variant = candidates["default"].artifact, candidates["training_load"].artifact
        assert default is not None and variant is not None
        assert variant.metadata["mae"] >= default.metadata["mae"]
        assert outcome.artifact is default and outcome.selected == "default"


def test_a_tie_keeps_the_default() -> None:
    weeks = synthetic_weeks(60, seed=3, load_signal=True)
    daily = synthetic_daily(weeks)
    default = train_target("demo", weeks, daily, WEIGHT, T0, DEFAULT)
    variant = train_target("demo", weeks, daily, WEIGHT, T0, TRAINING_LOAD)
    tied = replace(variant, metadata={**variant.metadata, "mae": default.metadata["mae"]})
    candidates = [Candidate(DEFAULT, default), Candidate(TRAINING_LOAD, tied)]
    assert select_candidate(candidates).artifact is default
    lower = replace(variant, metadata={**variant.metadata, "mae": default.metadata["mae"] - 1e-12})
    assert select_candidate([Candidate(DEFAULT, default), Candidate(TRAINING_LOAD, lower)]) == (
        Candidate(TRAINING_LOAD, lower)
    )
    # Without a default model (not enough data) nothing is selected.
    untrained = Candidate(DEFAULT, message="not enough data")
    assert select_candidate([untrained, Candidate(TRAINING_LOAD, lower)]) is None


def test_weeks_without_load_columns_train_the_default_and_say_why_not_the_variant() -> None:
    weeks = synthetic_weeks(60, seed=4).drop(columns=["ctl_end", "atl_end", "weekly_trimp"])
    for outcome in train_athlete("demo", weeks, synthetic_daily(weeks), T0):
        variant = _by_set(outcome)["training_load"]
        assert variant.artifact is None
        assert variant.message == (
            "marts.ml_training_weeks has no ctl_end, atl_end, weekly_trimp (rebuild it)"
        )
        assert outcome.selected == "default"


def test_a_plan_moves_ctl_and_atl_by_the_training_load_recurrence() -> None:
    weeks = synthetic_weeks(104, seed=0, load_signal=True)
    variant = train_target("demo", weeks, synthetic_daily(weeks), WEIGHT, T0, TRAINING_LOAD)
    load_map = variant.metadata["load_map"]
    last = weeks.iloc[-1]
    assert (load_map["start_ctl"], load_map["start_atl"]) == (last["ctl_end"], last["atl_end"])
    setting = scenario_grid(variant.X)[40]
    totals = weekly_totals(load_map, setting)
    # The least-squares map finds the weekly load of such weeks (60 × h × ~1 + 30 × sessions).
    expected_load = 60 * setting["run_time_h"] + 30 * setting["crossfit_sessions"]
    assert totals["weekly_load"] == pytest.approx(expected_load, rel=0.2)

    rows = plan_rows(variant.features, load_map, setting, 12)
    assert rows.shape == (12, 7)
    assert (rows[:, :4] == [setting[f] for f in FEATURES]).all()
    # The recurrence, day by day, from the athlete's latest CTL/ATL at the plan's daily load.
    ctl, atl, daily = load_map["start_ctl"], load_map["start_atl"], totals["weekly_load"] / 7
    for week in range(12):
        for _ in range(7):
            ctl += (daily - ctl) / CTL_DAYS
            atl += (daily - atl) / ATL_DAYS
        assert rows[week, 4:] == pytest.approx([ctl, atl, totals["weekly_trimp"]])
    # A default model gets the same plan row every week.
    flat = plan_rows(FEATURES, None, setting, 3)
    assert (flat == [[setting[f] for f in FEATURES]] * 3).all()


def test_scenarios_of_a_variant_sum_its_weekly_predictions() -> None:
    weeks = synthetic_weeks(104, seed=0, load_signal=True)
    daily = synthetic_daily(weeks)
    variant = train_target("demo", weeks, daily, WEIGHT, T0, TRAINING_LOAD)
    setting = scenario_grid(variant.X)[13]
    rows = plan_rows(variant.features, variant.metadata["load_map"], setting, 8)
    weekly = variant.model.predict(rows)
    change, _ = trajectories(variant, [setting], 8)
    np.testing.assert_allclose(change[0], weekly)
    predicted, low, high = forecast(variant, setting, 8)
    assert predicted == pytest.approx(variant.metadata["start_level"] + weekly.sum())
    assert low < predicted < high

    table = scenario_table(variant, None)
    assert len(table) == 3**4 * 12 and table["predicted_weight_kg"].notna().all()
    assert len(neighbour_table(variant, scenario_grid(variant.X))) == 3**4 * variant.metadata["k"]
