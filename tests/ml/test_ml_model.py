"""Training and honest evaluation of the KNN forecast on synthetic weeks (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from ml.evaluate import backtest, baseline_predictions
from ml.features import FAT_RATIO, WEIGHT, training_set
from ml.model import MIN_WEEKS
from ml.training import NotEnoughData, train_athlete, train_target
from tests.ml.synthetic import synthetic_daily, synthetic_weeks

T0 = datetime(2024, 6, 3, 5, tzinfo=UTC)


def test_model_beats_zero_change_baseline_on_a_real_relation() -> None:
    weeks = synthetic_weeks(104, seed=1)
    for target in (WEIGHT, FAT_RATIO):
        meta = train_target("demo", weeks, synthetic_daily(weeks), target, T0).metadata
        assert meta["beats_baseline"], meta
        # A clear margin: at most half of the zero-change error, on held-out weeks only.
        assert meta["mae"] < 0.5 * meta["baselines"]["zero_change"], meta
        assert meta["backtest_weeks"] == 3 * (104 // 6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_pure_noise_the_model_claims_no_real_skill(seed: int) -> None:
    weeks = synthetic_weeks(104, seed=seed, signal=False)
    for target in (WEIGHT, FAT_RATIO):
        meta = train_target("demo", weeks, synthetic_daily(weeks), target, T0).metadata
        assert not meta["beats_baseline"] or meta["mae"] > 0.97 * meta["baseline_mae"], meta


def test_training_is_deterministic_and_hash_follows_the_data() -> None:
    weeks = synthetic_weeks(60, seed=3)
    daily = synthetic_daily(weeks)
    first = train_target("demo", weeks, daily, WEIGHT, T0)
    # Same data in another row order, trained at another time: same model.
    shuffled = weeks.sample(frac=1.0, random_state=5)
    second = train_target("demo", shuffled, daily, WEIGHT, datetime(2025, 1, 1, tzinfo=UTC))
    assert first.content_hash == second.content_hash
    assert first.model_version == first.content_hash[:12]
    assert first.metadata["k"] == second.metadata["k"]
    assert np.array_equal(first.model.predict(first.X), second.model.predict(second.X))

    changed = weeks.copy()
    changed.loc[10, "run_distance_km"] += 1.0
    assert train_target("demo", changed, daily, WEIGHT, T0).content_hash != first.content_hash


def test_not_enough_data_trains_no_model_and_says_why() -> None:
    weeks = synthetic_weeks(MIN_WEEKS + 5, seed=4)
    # Weeks without weigh-ins on either side have no target and do not count.
    weeks.loc[weeks.index[:6], "weight_change_next_week"] = None
    with pytest.raises(NotEnoughData) as caught:
        train_target("demo", weeks, synthetic_daily(weeks), WEIGHT, T0)
    assert str(caught.value) == f"not enough data: {MIN_WEEKS - 1} weeks, need {MIN_WEEKS}"
    assert (caught.value.n_weeks, caught.value.needed) == (MIN_WEEKS - 1, MIN_WEEKS)

    outcomes = {o.target.name: o for o in train_athlete("demo", weeks, synthetic_daily(weeks), T0)}
    assert outcomes["weight_kg"].artifact is None
    assert outcomes["weight_kg"].message == str(caught.value)
    assert outcomes["fat_ratio_pct"].artifact is not None  # its targets are all there


def test_exactly_min_weeks_is_enough() -> None:
    weeks = synthetic_weeks(MIN_WEEKS, seed=5)
    artifact = train_target("demo", weeks, synthetic_daily(weeks), WEIGHT, T0)
    assert artifact.metadata["n_weeks"] == MIN_WEEKS


def test_baselines_only_use_weeks_before_the_predicted_one() -> None:
    y = np.arange(10, dtype=float)
    preds = baseline_predictions(y, np.array([4, 5, 9]))
    assert list(preds["zero_change"]) == [0.0, 0.0, 0.0]
    assert list(preds["trailing_mean_4w"]) == [1.5, 2.5, 6.5]


def test_backtest_reports_the_best_baseline() -> None:
    weeks = synthetic_weeks(48, seed=6)
    data = training_set(weeks, WEIGHT)
    result = backtest(data.X, data.y)
    assert result.baseline_mae == min(result.baselines.values())
    assert result.beats_baseline == (result.mae < result.baseline_mae)
