"""`fitelt forecast` from artefacts on disk: flagged models and missing ones (no database)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fitelt.cli.main import main
from ml import artifacts
from ml.features import FAT_RATIO, WEIGHT
from ml.training import train_target
from tests.ml.synthetic import synthetic_daily, synthetic_weeks


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FITELT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FITELT_DEFAULT_ATHLETE", "demo")
    return tmp_path


def test_forecast_warns_when_the_model_is_worse_than_baseline(
    data_dir: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    weeks = synthetic_weeks(60, seed=2, signal=False)  # pure noise: nothing to learn
    trained = train_target(
        "demo", weeks, synthetic_daily(weeks), WEIGHT, datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert not trained.beats_baseline
    artifacts.save(artifacts.models_dir(data_dir), trained)

    with caplog.at_level(logging.WARNING, logger="fitelt"):
        code = main(["forecast", "--weeks", "4", "--run-km", "25", "--run-hours", "2.5"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("athlete demo: 4 week(s) of 25 km running in 2.5 h")
    assert "weight_kg:" in out and "[FLAGGED: worse than baseline]" in out
    assert "fat_ratio_pct:" not in out
    assert "does worse than the naive" in caplog.text
    assert f"no {FAT_RATIO.name} model for athlete 'demo' yet" in caplog.text


def test_forecast_without_any_model_says_so(
    data_dir: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="fitelt"):
        assert main(["forecast", "--athlete", "nobody"]) == 1
    assert "no forecast model yet for athlete 'nobody'" in caplog.text
    assert capsys.readouterr().out == ""
