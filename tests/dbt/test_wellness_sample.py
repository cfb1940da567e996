"""marts.wellness_daily on the sample Apple Health export, recomputed with pandas.

The sample export (dlt_sources/synthetic/apple_health, written by lxml and zipped by zipfile)
and the Withings sample are loaded through the real Dagster assets, and everything downstream
of them is materialised (no Strava, CrossFit or activity file: a partial installation). The
export is then read here independently, with the standard library's ElementTree and pandas,
and steps, resting HR, HRV, the sleep union and the weigh-in dedup are recomputed.
"""

from __future__ import annotations

import os
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from dlt_sources.synthetic.apple_health import write_sample_apple_health
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import SAMPLE_WEIGHT_CSV, create_database, drop_database
from tests.dbt.marts_sample import ATHLETE, TZ, assert_close, read_mart

pytestmark = pytest.mark.slow

SELECTION = (
    "(group:withings+ or group:apple_health+) and not key:report_site"
    " and not key:knn_forecast_models"
)
ASLEEP = {"AsleepCore", "AsleepDeep", "AsleepREM", "AsleepUnspecified", "Asleep"}
SAME_SLEEP_S = 2 * 3600


@dataclass(frozen=True)
class Built:
    db: ConnInfo
    export: Path


@pytest.fixture(scope="module")
def built(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    ensure_layout(db, reader_password=None)
    root = tmp_path_factory.mktemp("wellness_sample")
    export = write_sample_apple_health(root / "export")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("FITELT_DATA_DIR", str(root / "data"))
            mp.setenv("DATABASE_URL", db.url())
            mp.setenv("FITELT_DEFAULT_TIMEZONE", TZ)
            mp.setenv("FITELT_SECRET_KEY", "test-secret-key-not-for-production")
            for key, value in db.libpq_env(prefix="FITELT_PG").items():
                mp.setenv(key, value)
            for var in list(os.environ):
                if var.startswith(("WITHINGS_", "STRAVA_", "GOOGLE_", "OURA_")):
                    mp.delenv(var)
            settings = Settings.from_env()
            inbox = Inbox(settings.inbox_dir, settings.archive_dir)
            for path in (SAMPLE_WEIGHT_CSV, export):
                inbox.drop(path, ATHLETE)
            result = materialize(SELECTION, instance=dg.DagsterInstance.ephemeral())
            assert succeeded(result), "materialising the sample failed (see the log)"
            yield Built(db, export)
    finally:
        drop_database(pg_server, name)


# ---- the export, read independently ---------------------------------------------------------


def export_records(export: Path) -> pd.DataFrame:
    with zipfile.ZipFile(export) as archive:
        root = ET.fromstring(archive.read("apple_health_export/export.xml"))
    rows = [record.attrib for record in root.findall("Record")]  # top level only
    frame = pd.DataFrame(rows)
    for column in ("startDate", "endDate"):
        frame[column + "_utc"] = frame[column].map(
            lambda text: datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").timestamp()
        )
    frame["local_day"] = pd.to_datetime(frame["startDate"].str[:10]).dt.date
    return frame


def expected_daily(records: pd.DataFrame) -> pd.DataFrame:
    def of(kind: str) -> pd.DataFrame:
        part = records[records["type"] == f"HKQuantityTypeIdentifier{kind}"].copy()
        part["value"] = part["value"].astype(float)
        return part

    per_source = of("StepCount").groupby(["local_day", "sourceName"])["value"].sum()
    steps = per_source.groupby(level="local_day").max().rename("steps")
    resting = of("RestingHeartRate").groupby("local_day")["value"].mean().rename("resting_hr")
    hrv = of("HeartRateVariabilitySDNN").groupby("local_day")["value"].mean().rename("hrv_sdnn_ms")
    return pd.concat([steps, resting, hrv, expected_sleep(records)], axis=1)


def union(intervals: list[tuple[float, float, str]]) -> list[list]:
    merged: list[list] = []
    for start, end, end_text in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1:] = [end, end_text]
        else:
            merged.append([start, end, end_text])
    return merged


def overlap_s(islands: list[list], start: float, end: float) -> float:
    return sum(max(0.0, min(e, end) - max(s, start)) for s, e, _ in islands)


def expected_sleep(records: pd.DataFrame) -> pd.DataFrame:
    sleep = records[records["type"] == "HKCategoryTypeIdentifierSleepAnalysis"].copy()
    sleep["stage"] = sleep["value"].str.removeprefix("HKCategoryValueSleepAnalysis")
    sleep = sleep.drop_duplicates(["sourceName", "stage", "startDate", "endDate"])

    def spans(stages: set[str]) -> list[list]:
        part = sleep[sleep["stage"].isin(stages)]
        columns = (part["startDate_utc"], part["endDate_utc"], part["endDate"])
        return union(list(zip(*columns, strict=True)))

    asleep, deep, rem = spans(ASLEEP), spans({"AsleepDeep"}), spans({"AsleepREM"})
    staged, in_bed = spans({"AsleepCore", "AsleepDeep", "AsleepREM"}), spans({"InBed"})
    sessions: list[list[list]] = []
    for island in asleep:
        if sessions and island[0] <= sessions[-1][-1][1] + SAME_SLEEP_S:
            sessions[-1].append(island)
        else:
            sessions.append([island])
    rows = []
    for islands in sessions:
        first, last = islands[0][0], islands[-1][1]
        asleep_s = sum(e - s for s, e, _ in islands)
        beds = [b for b in in_bed if b[0] < last and b[1] > first]
        bed_s = max([last] + [b[1] for b in beds]) - min([first] + [b[0] for b in beds])
        is_staged = overlap_s(staged, first, last) > 0
        rows.append({
            "day": datetime.strptime(islands[-1][2][:10], "%Y-%m-%d").date(),
            "asleep_s": asleep_s,
            "sleep_h": asleep_s / 3600,
            "sleep_deep_h": overlap_s(deep, first, last) / 3600 if is_staged else np.nan,
            "sleep_rem_h": overlap_s(rem, first, last) / 3600 if is_staged else np.nan,
            "sleep_efficiency": asleep_s / bed_s,
        })  # fmt: skip
    nights = pd.DataFrame(rows).sort_values(["day", "asleep_s"], ascending=[True, False])
    return nights.drop_duplicates("day").set_index("day").drop(columns="asleep_s")


# ---- the tests -------------------------------------------------------------------------------


def test_wellness_daily_matches_pandas(built: Built) -> None:
    expected = expected_daily(export_records(built.export)).sort_index()
    mart = read_mart(
        built.db,
        "select day, steps, resting_hr, hrv_sdnn_ms, sleep_h, sleep_deep_h, sleep_rem_h, "
        "sleep_efficiency, steps_source, sleep_source, source_summary "
        f"from marts.wellness_daily where athlete_id = '{ATHLETE}' order by day",
    )
    assert list(mart["day"]) == list(expected.index)
    for column in ("steps", "resting_hr", "hrv_sdnn_ms", "sleep_h", "sleep_deep_h",
                   "sleep_rem_h", "sleep_efficiency"):  # fmt: skip
        assert_close(mart[column], expected[column].reindex(mart["day"]), column)
    # The duplicate-source cases are really in the sample: both devices count steps, and on
    # some days the phone's total wins; two apps overlap on some nights.
    assert {"Demo’s Apple Watch", "Demo’s iPhone"} <= set(mart["steps_source"])
    assert set(mart["sleep_source"].dropna()) == {"apple_health"}
    assert mart["source_summary"].str.startswith("steps: ").all()


def test_a_withings_weigh_in_mirrored_in_apple_health_counts_once(built: Built) -> None:
    records = export_records(built.export)
    mass = records[records["type"] == "HKQuantityTypeIdentifierBodyMass"]
    apple_only = mass[mass["sourceName"] != "Withings"]
    assert len(apple_only) >= 2 and (mass["sourceName"] == "Withings").sum() > 50
    withings = pd.read_csv(SAMPLE_WEIGHT_CSV)
    withings_per_day = pd.to_datetime(withings["Date"]).dt.date.value_counts()
    apple_per_day = apple_only["local_day"].value_counts()
    expected = withings_per_day.add(apple_per_day, fill_value=0).sort_index()
    mart = read_mart(
        built.db,
        "select day, measurement_count from marts.weight_daily "
        f"where athlete_id = '{ATHLETE}' and measurement_count > 0 order by day",
    ).set_index("day")["measurement_count"]
    assert list(mart.index) == list(expected.index)
    assert (mart.to_numpy() == expected.to_numpy()).all()
    # An Apple-only weigh-in is the day's weight (the sample weighs them on days Withings did not).
    manual = apple_only[apple_only["sourceName"] == "Health"].iloc[0]
    [(weight,)] = read_mart(
        built.db,
        f"select weight_kg from marts.weight_daily where day = '{manual['local_day']}'",
    ).itertuples(index=False)
    assert weight == pytest.approx(float(manual["value"]))


def test_resting_hr_for_training_science_is_the_wellness_median(built: Built) -> None:
    daily = read_mart(
        built.db,
        "select day, resting_hr from marts.wellness_daily "
        f"where athlete_id = '{ATHLETE}' and resting_hr is not null order by day desc limit 30",
    )
    athletes = read_mart(
        built.db,
        "select resting_heart_rate, resting_heart_rate_basis from marts.athletes "
        f"where athlete_id = '{ATHLETE}'",
    )
    assert list(athletes["resting_heart_rate_basis"]) == ["wellness_median_30d"]
    assert athletes["resting_heart_rate"][0] == np.floor(daily["resting_hr"].median() + 0.5)
