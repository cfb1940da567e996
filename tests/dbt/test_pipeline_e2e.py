"""End to end: sample export → inbox → dlt → dbt → marts.weight_daily, checked with pandas."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import SAMPLE_WEIGHT_CSV, query

# Everything downstream of Withings except the report site (tested on its own).
MODELS = "group:withings+ and not key:report_site"


def expected_weight_daily(csv_path: Path) -> pd.DataFrame:
    """weight_daily computed independently: the export's local dates, pandas time windows."""
    raw = pd.read_csv(csv_path)
    raw["day"] = pd.to_datetime(raw["Date"]).dt.normalize()
    daily = raw.groupby("day").agg(
        weight_kg=("Weight (kg)", "mean"), measurement_count=("Weight (kg)", "size")
    )
    raw["fat_ratio_pct"] = raw["Fat mass (kg)"] / raw["Weight (kg)"] * 100
    daily["fat_ratio_pct"] = raw.groupby("day")["fat_ratio_pct"].mean()
    daily = daily.sort_index()
    # A time-based window "7D" ending at a day covers the calendar days [day-6, day].
    daily["weight_7d_avg"] = daily["weight_kg"].rolling("7D").mean()
    daily["weight_30d_avg"] = daily["weight_kg"].rolling("30D").mean()
    return daily


def load_mart(conn) -> pd.DataFrame:
    rows = query(
        conn,
        "select day, weight_kg, measurement_count, fat_ratio_pct, weight_7d_avg, weight_30d_avg "
        "from marts.weight_daily where athlete_id = 'demo' order by day",
    )
    frame = pd.DataFrame(
        rows,
        columns=[
            "day",
            "weight_kg",
            "measurement_count",
            "fat_ratio_pct",
            "weight_7d_avg",
            "weight_30d_avg",
        ],
    )
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[us]")
    return frame.set_index("day")


def check_body_weekly(conn, daily: pd.DataFrame) -> None:
    """Weekly means of daily values; change vs the calendar week before (null across gaps)."""
    weeks = daily.groupby(daily.index.to_period("W-SUN").start_time)[
        ["weight_kg", "fat_ratio_pct"]
    ].mean()
    previous = weeks.reindex(weeks.index - pd.Timedelta(days=7))
    previous.index = weeks.index
    expected_change = weeks["weight_kg"] - previous["weight_kg"]
    rows = query(
        conn,
        "select week_start, weight_kg_mean, weight_kg_change from marts.body_weekly "
        "where athlete_id = 'demo' order by week_start",
    )
    actual = pd.DataFrame(rows, columns=["week_start", "mean", "change"])
    assert [pd.Timestamp(d) for d in actual["week_start"]] == list(weeks.index)
    assert actual["mean"].astype(float).values == pytest.approx(weeks["weight_kg"].values, abs=1e-6)
    assert actual["change"].isna().tolist() == expected_change.isna().tolist()
    assert actual["change"].dropna().astype(float).values == pytest.approx(
        expected_change.dropna().values, abs=1e-6
    )
    assert actual["change"].isna().sum() > 0, "the sample should contain week gaps"


def check_body_overview(conn, daily: pd.DataFrame) -> None:
    """Latest weight and its change against the latest value on or before each reference."""
    last_day = daily.index.max()
    last = daily.loc[last_day, "weight_kg"]
    expected = {}
    for column, offset in {
        "change_1w": pd.DateOffset(days=7),
        "change_1m": pd.DateOffset(months=1),
        "change_1y": pd.DateOffset(years=1),
    }.items():
        before = daily.loc[: last_day - offset, "weight_kg"]
        expected[column] = last - before.iloc[-1]
    row = query(
        conn,
        "select last_day, last_value, change_1w, change_1m, change_1y from marts.body_overview "
        "where athlete_id = 'demo' and metric = 'weight_kg'",
    )[0]
    assert pd.Timestamp(row[0]) == last_day
    assert float(row[1]) == pytest.approx(last)
    for value, column in zip(row[2:], ["change_1w", "change_1m", "change_1y"], strict=True):
        assert float(value) == pytest.approx(expected[column], abs=1e-6), column


@pytest.mark.slow
def test_sample_data_end_to_end_matches_pandas(fitelt_env, tmp_path: Path) -> None:
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    instance = dg.DagsterInstance.ephemeral()

    result = materialize(MODELS, instance=instance)
    assert succeeded(result)
    assert not inbox.pending("withings"), "the loaded file must leave the inbox"
    assert len(list((settings.archive_dir / "withings" / "demo").iterdir())) == 1

    expected = expected_weight_daily(SAMPLE_WEIGHT_CSV)
    actual = load_mart(fitelt_env)
    # The sample really has the hard cases: a multi-day gap and several weigh-ins in a day.
    gaps = expected.index.to_series().diff().dt.days
    assert gaps.max() >= 4
    assert expected["measurement_count"].max() >= 2
    assert list(actual.index) == list(expected.index)
    for column in ["weight_kg", "fat_ratio_pct", "weight_7d_avg", "weight_30d_avg"]:
        pd.testing.assert_series_equal(
            actual[column].astype(float),
            expected[column],
            check_names=False,
            check_index_type=False,
            atol=0.006,
        )
    assert (actual["measurement_count"] == expected["measurement_count"]).all()

    check_body_weekly(fitelt_env, expected)
    check_body_overview(fitelt_env, expected)

    # Re-running the same load (file dropped again, plus an overlapping re-export) adds nothing.
    before = query(fitelt_env, "select count(*) from raw.withings_measures")[0][0]
    inbox.drop(SAMPLE_WEIGHT_CSV, "demo")
    overlap = tmp_path / "weight_reexport.csv"
    lines = SAMPLE_WEIGHT_CSV.read_text().splitlines()
    overlap.write_text("\n".join(lines[:200]) + "\n")
    inbox.drop(overlap, "demo")
    assert succeeded(materialize(MODELS, instance=instance))
    after = query(fitelt_env, "select count(*) from raw.withings_measures")[0][0]
    assert after == before
    assert not inbox.pending("withings")


def test_malformed_rows_are_quarantined_and_good_rows_load(fitelt_env, tmp_path: Path) -> None:
    header = SAMPLE_WEIGHT_CSV.read_text().splitlines()[0]
    bad_file = tmp_path / "weight.csv"
    bad_file.write_text(
        "\n".join(
            [
                header,
                "2024-05-03 07:10:00,80.10,16.00,3.10,60.00,44.00,",
                "2024-05-02 07:10:00,eighty,16.00,3.10,60.00,44.00,",
                "02/05/2024 07:10,80.00,16.00,3.10,60.00,44.00,",
                "2024-05-01 07:10:00,-80.00,,,,,",
                "2024-04-30 07:10:00,79.90,16.00",
                "2024-04-29 07:10:00,79.80,,,,,",
            ]
        )
        + "\n"
    )
    settings = Settings.from_env()
    shutil.copy(bad_file, tmp_path / "copy.csv")
    Inbox(settings.inbox_dir, settings.archive_dir).drop(bad_file, "demo")
    result = materialize("withings/measures", instance=dg.DagsterInstance.ephemeral())
    assert succeeded(result)
    loaded = query(
        fitelt_env,
        "select distinct measured_at::date from raw.withings_measures order by 1",
    )
    assert [str(r[0]) for r in loaded] == ["2024-04-29", "2024-05-03"]
    reasons = dict(query(fitelt_env, "select source_line, reason from raw.withings_quarantine"))
    assert set(reasons) == {3, 4, 5, 6}
    assert "not a number" in reasons[3] and "weight_kg" in reasons[3]
    assert "YYYY-MM-DD" in reasons[4]
    assert "outside" in reasons[5]
    assert "expected 7 fields" in reasons[6]
