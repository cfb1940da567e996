"""What-if scenarios, neighbours and artefacts of the KNN forecast (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from ml import artifacts
from ml.artifacts import ModelArtifact, NoModel
from ml.features import FAT_RATIO, WEIGHT, feature_rows
from ml.scenarios import (
    HORIZONS,
    SCENARIO_COLUMNS,
    forecast,
    neighbour_table,
    neighbours,
    scenario_grid,
    scenario_table,
)
from ml.training import latest_level, train_target
from tests.ml.synthetic import synthetic_daily, synthetic_weeks

T0 = datetime(2024, 6, 3, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def trained() -> tuple[ModelArtifact, ModelArtifact]:
    weeks = synthetic_weeks(104, seed=0)
    daily = synthetic_daily(weeks)
    return (
        train_target("demo", weeks, daily, WEIGHT, T0),
        train_target("demo", weeks, daily, FAT_RATIO, T0),
    )


def test_scenario_grid_has_one_row_per_setting_and_horizon(trained) -> None:
    weight, fat = trained
    grid = scenario_grid(weight.X)
    assert len(grid) == 3**4  # three distinct quantiles of each of the four features
    table = scenario_table(weight, fat)
    assert list(table.columns) == list(SCENARIO_COLUMNS)
    assert len(table) == len(grid) * len(HORIZONS)
    assert sorted(table["horizon_weeks"].unique()) == list(range(1, 13))
    assert set(table["model_version"]) == {f"{weight.model_version}+{fat.model_version}"}
    assert (table["weight_low"] <= table["predicted_weight_kg"]).all()
    assert (table["predicted_weight_kg"] <= table["weight_high"]).all()
    assert (table["fat_low"] <= table["fat_high"]).all()
    # Settings stay within the athlete's own history.
    assert table["run_km"].between(weight.X[:, 0].min(), weight.X[:, 0].max()).all()
    # The band widens with the horizon.
    width = (table["weight_high"] - table["weight_low"]).groupby(table["horizon_weeks"]).mean()
    assert width.is_monotonic_increasing


def test_more_running_predicts_lower_weight_and_fat(trained) -> None:
    weight, fat = trained
    table = scenario_table(weight, fat)
    at_8 = table[table["horizon_weeks"] == 8]
    others = ["run_hours", "crossfit_sessions", "avg_weight_kg"]
    kms = sorted(at_8["run_km"].unique())
    for column in ("predicted_weight_kg", "predicted_fat_ratio_pct"):
        by_km = at_8.pivot_table(index=others, columns="run_km", values=column)
        # In every cell of the grid, the most running gives less than the least running...
        assert (by_km[kms[-1]] < by_km[kms[0]]).all(), column
        # ...and on average each step up in km lowers the prediction.
        assert by_km.mean().is_monotonic_decreasing, column


def test_prediction_is_the_weighted_mean_of_its_neighbours(trained) -> None:
    weight, _ = trained
    setting = scenario_grid(weight.X)[40]
    near = neighbours(weight, setting)
    assert len(near) == weight.metadata["k"]
    assert near["knn_weight"].sum() == pytest.approx(1.0)
    assert near["distance"].is_monotonic_increasing
    expected = weight.model.predict(feature_rows([setting]))[0]
    assert (near["knn_weight"] * near["change_next_week"]).sum() == pytest.approx(expected)
    predicted, _, _ = forecast(weight, setting, 4)
    assert predicted == pytest.approx(weight.metadata["start_level"] + 4 * expected)
    assert set(near["week_start"]) <= set(weight.weeks)

    table = neighbour_table(weight, scenario_grid(weight.X))
    assert len(table) == 3**4 * weight.metadata["k"]


def test_forecast_starts_from_the_latest_7_day_average(trained) -> None:
    weeks = synthetic_weeks(104, seed=0)
    level, day = latest_level(synthetic_daily(weeks), WEIGHT)
    weight, _ = trained
    assert (weight.metadata["start_level"], weight.metadata["start_day"]) == (level, day)
    assert day == "2024-12-29"  # the last synthetic day


def test_artifacts_round_trip_and_latest_pointer(trained, tmp_path: Path) -> None:
    weight, _ = trained
    path = artifacts.save(tmp_path, weight)
    assert path == tmp_path / "demo" / "weight_kg" / f"{weight.model_version}.joblib"
    loaded = artifacts.load_latest(tmp_path, "demo", "weight_kg")
    assert loaded.content_hash == weight.content_hash
    assert loaded.features == weight.features
    assert loaded.metadata == weight.metadata
    assert np.array_equal(loaded.model.predict(weight.X), weight.model.predict(weight.X))

    with pytest.raises(NoModel, match="no fat_ratio_pct model"):
        artifacts.load_latest(tmp_path, "demo", "fat_ratio_pct")
    artifacts.record_no_model(tmp_path, "demo", "weight_kg", "not enough data: 3 weeks, need 24")
    with pytest.raises(NoModel, match="not enough data: 3 weeks, need 24"):
        artifacts.load_latest(tmp_path, "demo", "weight_kg")
    with pytest.raises(ValueError, match="unsafe"):
        artifacts.target_dir(tmp_path, "../etc", "weight_kg")
