"""knn_forecast_models materialised for real against a fresh warehouse, and `fitelt forecast`."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import dagster as dg
import pandas as pd
import psycopg2
import pytest
from psycopg2.extras import execute_values

from fitelt.cli.main import main
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from ml.model import MIN_WEEKS
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import query
from tests.ml.synthetic import synthetic_daily, synthetic_weeks

WEEKS_DDL = """
create table marts.ml_training_weeks (
    athlete_id text, week_start date, run_distance_km double precision,
    run_time_h double precision, crossfit_sessions integer,
    avg_weight_per_rep_kg double precision, weight_kg_mean double precision,
    fat_ratio_pct_mean double precision, weight_change_next_week double precision,
    fat_ratio_pct_change_next_week double precision{load})
"""
LOAD_COLUMNS = ("weekly_trimp", "weekly_load", "ctl_end", "atl_end")
DAILY_DDL = """
create table marts.weight_daily (
    athlete_id text, day date, weight_kg double precision, fat_ratio_pct double precision,
    weight_7d_avg double precision, fat_ratio_pct_7d_avg double precision)
"""


def load_marts(conn: ConnInfo, weeks: pd.DataFrame, *, with_load: bool = True) -> None:
    """Stand-ins for the dbt marts, filled with synthetic rows; without `with_load`, the mart
    as it was before it had the training-load columns."""
    daily = synthetic_daily(weeks)
    daily["day"] = daily["day"].dt.date
    if not with_load:
        weeks = weeks.drop(columns=list(LOAD_COLUMNS))
    load = "".join(f", {c} double precision" for c in LOAD_COLUMNS) if with_load else ""
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute(WEEKS_DDL.format(load=load))
        cur.execute(DAILY_DDL)
        execute_values(
            cur,
            f"insert into marts.ml_training_weeks ({', '.join(weeks.columns)}) values %s",
            _rows(weeks, weeks.columns),
        )
        columns = ["athlete_id", "day", "weight_kg", "fat_ratio_pct"]
        columns += ["weight_7d_avg", "fat_ratio_pct_7d_avg"]
        execute_values(cur, "insert into marts.weight_daily values %s", _rows(daily, columns))
    db.close()


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    return [
        tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
        for row in frame[list(columns)].itertuples(index=False, name=None)
    ]


def synthetic_athletes() -> pd.DataFrame:
    demo = synthetic_weeks(60, seed=11, athlete_id="demo")
    rookie = synthetic_weeks(10, seed=12, athlete_id="rookie")
    # Its changes follow weekly TRIMP, which the four default features do not see.
    loader = synthetic_weeks(60, seed=14, athlete_id="loader", load_signal=True)
    frame = pd.concat([demo, rookie, loader], ignore_index=True)
    # As in the real mart, each athlete's latest week has no "next week" yet.
    last = frame.groupby("athlete_id")["week_start"].transform("max") == frame["week_start"]
    frame.loc[last, ["weight_change_next_week", "fat_ratio_pct_change_next_week"]] = None
    return frame


def test_knn_forecast_models_materialises_tables_and_cli_prints_the_same(
    fitelt_env: ConnInfo, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    load_marts(fitelt_env, synthetic_athletes())

    result = materialize("knn_forecast_models", instance=dg.DagsterInstance.ephemeral())
    assert succeeded(result)

    runs = query(
        fitelt_env,
        "select athlete_id, target, n_weeks, k, weights, model_version, beats_baseline, "
        "baseline_name, features, message, feature_set, selected, mae from marts.model_runs "
        "order by 1, 2, feature_set",
    )
    # One row per feature set; the variant selected only for the athlete whose load matters.
    assert [(r[0], r[1], r[2], r[10], r[11]) for r in runs] == [
        ("demo", "fat_ratio_pct", 59, "default", True),
        ("demo", "fat_ratio_pct", 59, "training_load", False),
        ("demo", "weight_kg", 59, "default", True),
        ("demo", "weight_kg", 59, "training_load", False),
        ("loader", "fat_ratio_pct", 59, "default", False),
        ("loader", "fat_ratio_pct", 59, "training_load", True),
        ("loader", "weight_kg", 59, "default", False),
        ("loader", "weight_kg", 59, "training_load", True),
        ("rookie", "fat_ratio_pct", 9, "default", False),
        ("rookie", "fat_ratio_pct", 9, "training_load", False),
        ("rookie", "weight_kg", 9, "default", False),
        ("rookie", "weight_kg", 9, "training_load", False),
    ]
    for default, variant in zip(runs[0:8:2], runs[1:8:2], strict=True):
        assert (variant[12] < default[12]) == variant[11]  # strictly lower MAE wins
        assert variant[8] == default[8] + ",ctl_end,atl_end,weekly_trimp"
    demo_fat, _, demo_weight, _, _, loader_fat, _, loader_weight, _, _, rookie_weight, _ = runs
    assert demo_weight[3] >= 3 and demo_weight[4] in {"uniform", "distance"}
    assert demo_weight[6] is True and demo_fat[6] is True
    assert demo_weight[8] == "run_distance_km,run_time_h,crossfit_sessions,avg_weight_per_rep_kg"
    message = f"not enough data: 9 weeks, need {MIN_WEEKS}"
    assert rookie_weight[5:7] == (None, None) and rookie_weight[9] == message

    version = f"{demo_weight[5]}+{demo_fat[5]}"
    scenarios = query(
        fitelt_env,
        "select athlete_id, model_version, count(*), count(distinct horizon_weeks), "
        "bool_and(model_beats_baseline), bool_and(weight_low <= predicted_weight_kg) "
        "from marts.forecast_scenarios group by 1, 2",
    )
    loader_version = f"{loader_weight[5]}+{loader_fat[5]}"
    assert scenarios == [  # none for rookie
        ("demo", version, 81 * 12, 12, True, True),
        ("loader", loader_version, 81 * 12, 12, True, True),
    ]
    neighbours = query(
        fitelt_env,
        "select target, count(*) from marts.forecast_neighbours where athlete_id = 'demo' "
        "group by 1 order by 1",
    )
    assert neighbours == [("fat_ratio_pct", 81 * demo_fat[3]), ("weight_kg", 81 * demo_weight[3])]
    for table in ("model_runs", "forecast_scenarios", "forecast_neighbours"):
        assert query(
            fitelt_env,
            "select has_table_privilege('fitness_reader', %s, 'select')",
            (f"marts.{table}",),
        ) == [(True,)]

    models = Settings.from_env().data_dir / "models"
    assert (models / "demo" / "weight_kg" / f"{demo_weight[5]}.joblib").exists()
    [event] = result.asset_materializations_for_node("knn_forecast_models")
    assert event.metadata["demo/weight_kg"].data["model_version"] == demo_weight[5]
    assert event.metadata["rookie/weight_kg"].data["message"] == message

    # The CLI, from the artefact alone, prints the numbers of the matching scenario row.
    for athlete, model_version in (("demo", demo_weight[5]), ("loader", loader_weight[5])):
        out = _cli_matches_a_scenario_row(fitelt_env, capsys, athlete)
        assert f"model {model_version}" in out and "FLAGGED" not in out
        assert ("training-load model" in out) == (athlete == "loader")

    # Same data again: same model versions, scenario rows replaced, model_runs appended.
    assert succeeded(materialize("knn_forecast_models", instance=dg.DagsterInstance.ephemeral()))
    assert query(fitelt_env, "select count(*) from marts.model_runs") == [(24,)]
    assert query(
        fitelt_env,
        "select athlete_id, count(*), min(model_version) from marts.forecast_scenarios "
        "group by 1 order by 1",
    ) == [("demo", 81 * 12, version), ("loader", 81 * 12, loader_version)]

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fitelt"):
        assert main(["forecast", "--athlete", "rookie"]) == 1
    assert message in caplog.text and "no forecast model yet" in caplog.text
    assert capsys.readouterr().out == ""


def _cli_matches_a_scenario_row(
    conn: ConnInfo, capsys: pytest.CaptureFixture[str], athlete: str
) -> str:
    [(km, hours, crossfit, kg, weight, low, high, fat)] = query(
        conn,
        "select run_km, run_hours, crossfit_sessions, avg_weight_kg, predicted_weight_kg, "
        "weight_low, weight_high, predicted_fat_ratio_pct from marts.forecast_scenarios "
        "where horizon_weeks = 8 and athlete_id = %s order by run_km desc, run_hours, "
        "crossfit_sessions desc, avg_weight_kg limit 1",
        (athlete,),
    )
    capsys.readouterr()
    argv = ["forecast", "--athlete", athlete, "--weeks", "8", "--run-km", str(km)]
    argv += ["--run-hours", str(hours), "--crossfit", str(crossfit), "--avg-weight", str(kg)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(rf"weight_kg: [\d.]+ → {weight:.2f} kg \(band {low:.2f}–{high:.2f}\)", out)
    assert re.search(rf"fat_ratio_pct: [\d.]+ → {fat:.2f} %", out)
    return out


def test_missing_input_mart_is_reported_not_failed(fitelt_env: ConnInfo) -> None:
    result = materialize("knn_forecast_models", instance=dg.DagsterInstance.ephemeral())
    assert succeeded(result)
    [event] = result.asset_materializations_for_node("knn_forecast_models")
    assert "marts.ml_training_weeks" in event.metadata["status"].text
