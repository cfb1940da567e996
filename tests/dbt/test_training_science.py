"""Training science built by the real dbt from raw rows, each number recomputed independently.

Two athletes with the same heart-rate settings (max 190, rest 50) but different sex each run a
constant-heart-rate hour (a 1 Hz file): Banister's TRIMP differs only by the sex coefficients.
The man also has 70 days of Strava summaries (average heart rate, no samples) and rides without
heart rate, so his daily load, CTL/ATL/TSB, ramp rate and both ACWRs can be recomputed here from
the raw rows with the field's formulas written out in Python.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.athlete_settings import set_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from tests.conftest import create_database, drop_database
from tests.dbt import test_activity_marts_synthetic as synthetic
from tests.dbt.test_activity_marts import read, run_dbt_build

MAX_HR, REST_HR, STEADY_HR = 190, 50, 148  # HRr = (148 - 50) / (190 - 50) = 0.7
COEFFICIENTS = {"female": (0.86, 1.67), "male": (0.64, 1.92)}
FIRST_DAY = date(2024, 3, 1)
DAYS = 70
SELECTION = [
    "stg_activity_files__files", "stg_activity_files__records", "stg_strava__activities",
    "activity_heart_rate", "activities", "activity_records", "activity_hr_zones",
    "training_load_daily", "athletes",
]  # fmt: skip


@dataclass(frozen=True)
class Built:
    db: ConnInfo
    strava: pd.DataFrame


def steady_hour(athlete: str, start: datetime) -> synthetic.Version:
    """3,601 samples one timer second apart at 148 bpm: 60 minutes of weight."""
    records = synthetic.samples(start, 3601, seed=5, pause_at=None)
    records["heart_rate"] = pd.Series(np.full(3601, STEADY_HR), dtype="Int64")
    row = synthetic.summary(
        records, athlete_id=athlete, content_sha256=synthetic.sha(f"{athlete}.fit"),
        source_format="fit", source_file=f"{athlete}.fit", started_at=start,
    )  # fmt: skip
    return synthetic.Version(row, records, pd.DataFrame())


def strava_history(athlete: str) -> pd.DataFrame:
    """A run every day but each fourth (average HR varying), and a ride without HR weekly."""
    rows = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
        common = {
            "athlete_id": athlete, "timezone": "UTC", "data_source": "export",
            "start_date": start, "start_date_local": start.replace(tzinfo=None),
        }  # fmt: skip
        if offset % 4 != 3:
            rows.append({
                **common, "activity_id": 10_000 + offset, "name": "Run", "sport_type": "Run",
                "distance_m": 8000.0, "moving_time_s": 1800 + 60 * (offset % 5),
                "elapsed_time_s": 2000, "average_heartrate": 120.0 + offset % 30,
                "max_heartrate": 170.0,
            })  # fmt: skip
        if offset % 7 == 5:
            rows.append({
                **common, "start_date": start + timedelta(hours=9),
                "start_date_local": start.replace(tzinfo=None) + timedelta(hours=9),
                "activity_id": 20_000 + offset, "name": "Ride", "sport_type": "Ride",
                "distance_m": 20000.0, "moving_time_s": 3000, "elapsed_time_s": 3100,
                "average_heartrate": None, "max_heartrate": None,
            })  # fmt: skip
    return pd.DataFrame(rows)


def load_raw(dsn: str, files: list[synthetic.Version], strava: pd.DataFrame) -> None:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(synthetic.DDL)
        for version in files:
            sha256, athlete = version.row["content_sha256"], version.row["athlete_id"]
            dlt = {"_dlt_load_id": "1.1"}
            synthetic.insert(cur, "activity_files", [{**version.row, **dlt, "_dlt_id": sha256}])
            synthetic.insert(cur, "activity_file_records", [
                {**r, "content_sha256": sha256, "athlete_id": athlete, **dlt, "_dlt_id": f"{i}"}
                for i, r in enumerate(version.records.to_dict("records"))
            ])  # fmt: skip
        synthetic.insert(cur, "strava_activities", strava.to_dict("records"))
    conn.close()


@pytest.fixture(scope="module")
def built(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    try:
        ensure_layout(db, reader_password=None)
        for athlete, sex in (("woman", "female"), ("man", "male")):
            settings = {"sex": sex, "max_hr": MAX_HR, "resting_hr": REST_HR}
            set_athlete(db, athlete, settings, "UTC")
        start = datetime(2024, 2, 20, 6, tzinfo=UTC)
        strava = strava_history("man")
        load_raw(db.dsn(), [steady_hour("woman", start), steady_hour("man", start)], strava)
        run_dbt_build(db, tmp_path_factory.mktemp("training"), SELECTION, "UTC")
        yield Built(db, strava)
    finally:
        drop_database(pg_server, name)


def banister(minutes: float, heart_rate: float, sex: str) -> float:
    k, b = COEFFICIENTS[sex]
    reserve = min(1.0, max(0.0, (heart_rate - REST_HR) / (MAX_HR - REST_HR)))
    return minutes * reserve * k * math.exp(b * reserve)


def test_trimp_of_a_constant_heart_rate_hour_for_both_sexes(built: Built) -> None:
    files = read(built.db, "select athlete_id, trimp, trimp_source, load, load_basis, "
                 "hr_seconds, hr_zone4_s from marts.activities where source = 'fit'")  # fmt: skip
    by_athlete = files.set_index("athlete_id")
    # Hand-computed: 60 × 0.7 × k × e^(0.7 b).
    assert by_athlete.loc["woman", "trimp"] == pytest.approx(60 * 0.7 * 0.86 * math.exp(0.7 * 1.67))
    assert by_athlete.loc["man", "trimp"] == pytest.approx(60 * 0.7 * 0.64 * math.exp(0.7 * 1.92))
    assert by_athlete.loc["woman", "trimp"] == pytest.approx(116.26, abs=0.01)
    assert by_athlete.loc["man", "trimp"] == pytest.approx(103.07, abs=0.01)
    assert set(files["trimp_source"]) == {"records"} and set(files["load_basis"]) == {"trimp"}
    assert files["hr_seconds"].tolist() == [3600.0, 3600.0]
    # 148 bpm is 77.9 % of 190: zone 3 (70-80 %), so zone 4 is empty.
    assert files["hr_zone4_s"].tolist() == [0.0, 0.0]


def test_summary_trimp_and_the_calibrated_fallback(built: Built) -> None:
    acts = read(built.db, "select * from marts.activities where athlete_id = 'man' "
                "and source <> 'fit'").set_index("strava_activity_id")  # fmt: skip
    runs = built.strava.loc[built.strava["sport_type"] == "Run"]
    for _, run in runs.iterrows():
        expected = banister(run["moving_time_s"] / 60, run["average_heartrate"], "male")
        assert acts.loc[run["activity_id"], "trimp"] == pytest.approx(expected)
        assert acts.loc[run["activity_id"], "trimp_source"] == "average_heart_rate"
    # No ride has a heart rate: minutes × the median TRIMP per minute of all his activities.
    per_minute = [banister(1, STEADY_HR, "male")] + [
        banister(1, heart_rate, "male") for heart_rate in runs["average_heartrate"]
    ]
    rides = acts.loc[acts["sport"] == "cycling"]
    assert len(rides) == 10
    assert set(rides["load_basis"]) == {"duration_x_athlete_factor"}
    assert rides["trimp"].isna().all()
    np.testing.assert_allclose(rides["load"].astype(float), 50 * float(np.median(per_minute)))


def expected_days(built: Built) -> pd.DataFrame:
    """The man's daily load from marts.activities' loads, then every model written out."""
    acts = read(
        built.db, "select activity_day, load from marts.activities where athlete_id = 'man'"
    )
    daily = acts.groupby("activity_day")["load"].sum().astype(float)
    days = pd.date_range(daily.index.min(), pd.Timestamp(date.today()), freq="D").date
    load = daily.reindex(days, fill_value=0.0).to_numpy()
    ctl, atl, acute_w, chronic_w = (np.zeros(len(load)) for _ in range(4))
    prev = {"ctl": 0.0, "atl": 0.0, "acute": 0.0, "chronic": 0.0}
    for i, x in enumerate(load):  # the recurrences, from 0 the day before the first row
        prev["ctl"] += (x - prev["ctl"]) / 42
        prev["atl"] += (x - prev["atl"]) / 7
        prev["acute"] = 0.25 * x + 0.75 * prev["acute"]
        prev["chronic"] = (2 / 29) * x + (27 / 29) * prev["chronic"]
        ctl[i], atl[i], acute_w[i], chronic_w[i] = (prev[k] for k in prev)
    frame = pd.DataFrame({"day": days, "daily_load": load, "ctl": ctl, "atl": atl})
    frame["tsb"] = np.concatenate([[0.0], ctl[:-1] - atl[:-1]])
    frame["ramp_rate"] = ctl - np.concatenate([np.zeros(7), ctl[:-7]])[: len(ctl)]
    acute = pd.Series(load).rolling(7, min_periods=1).sum() / 7
    chronic = pd.Series(load).rolling(28, min_periods=1).sum() / 28
    warm = np.arange(1, len(load) + 1) >= 28
    frame["acwr"] = np.where(warm & (chronic > 0), acute / chronic.replace(0, np.nan), np.nan)
    ewma = np.divide(acute_w, chronic_w, out=np.full(len(load), np.nan), where=chronic_w > 0)
    frame["acwr_ewma"] = np.where(warm, ewma, np.nan)
    return frame


def test_fitness_fatigue_form_and_ratios_match_the_recurrences(built: Built) -> None:
    actual = read(
        built.db, "select * from marts.training_load_daily where athlete_id = 'man' order by day"
    )
    expected = expected_days(built)
    assert actual["day"].tolist() == expected["day"].tolist()
    for column in ("daily_load", "ctl", "atl", "tsb", "ramp_rate", "acwr", "acwr_ewma"):
        np.testing.assert_allclose(
            actual[column].astype(float), expected[column], rtol=1e-9, atol=1e-9, err_msg=column
        )
    assert actual["tsb"].iloc[0] == 0.0
    assert actual["ctl"].iloc[0] == pytest.approx(actual["daily_load"].iloc[0] / 42)
    warm_up = actual.loc[actual["history_days"] < 28]
    assert len(warm_up) == 27 and warm_up["acwr"].isna().all() and warm_up["acwr_ewma"].isna().all()
    assert actual.loc[actual["history_days"] == 28, "acwr"].notna().all()


def test_the_settings_used_are_published_with_their_basis(built: Built) -> None:
    athletes = read(built.db, "select * from marts.athletes order by athlete_id")
    assert athletes["athlete_id"].tolist() == ["man", "woman"]
    assert athletes["max_heart_rate"].tolist() == [190.0, 190.0]
    assert set(athletes["max_heart_rate_basis"]) == {"athlete_setting"}
    assert set(athletes["resting_heart_rate_basis"]) == {"athlete_setting"}
    assert athletes["trimp_coefficients"].tolist() == ["male", "female"]


def test_zone_rows_come_from_the_settings(built: Built) -> None:
    zones = read(built.db, "select * from marts.activity_hr_zones where athlete_id = 'woman' "
                 "order by zone")  # fmt: skip
    assert zones["lower_bpm"].astype(float).tolist() == pytest.approx([0, 114, 133, 152, 171])
    assert zones["seconds"].astype(float).tolist() == [0.0, 0.0, 3600.0, 0.0, 0.0]
    assert set(zones["max_heart_rate_basis"]) == {"athlete_setting"}


def test_a_new_max_heart_rate_recomputes_trimp_incrementally(built: Built, tmp_path: Path) -> None:
    before = read(built.db, "select content_sha256, trimp from marts.activity_heart_rate")
    set_athlete(built.db, "woman", {"max_hr": 200}, "UTC")
    try:
        run_dbt_build(built.db, tmp_path, ["activity_heart_rate"], "UTC")
        after = read(built.db, "select athlete_id, trimp, max_heart_rate "
                     "from marts.activity_heart_rate").set_index("athlete_id")  # fmt: skip
        reserve = (STEADY_HR - REST_HR) / (200 - REST_HR)
        assert after.loc["woman", "max_heart_rate"] == 200.0
        assert after.loc["woman", "trimp"] == pytest.approx(
            60 * reserve * 0.86 * math.exp(1.67 * reserve)
        )
        assert after.loc["man", "trimp"] == pytest.approx(
            before.loc[before["content_sha256"] == synthetic.sha("man.fit"), "trimp"].iloc[0]
        )
    finally:
        set_athlete(built.db, "woman", {"max_hr": MAX_HR}, "UTC")
        run_dbt_build(built.db, tmp_path, ["activity_heart_rate"], "UTC")
