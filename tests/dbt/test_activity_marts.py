"""The activity marts built by the real dbt from synthetic raw rows (the activity_files contract),
each recomputed independently with pandas/numpy from the same samples.

Two builds, the second incremental: first run A exists only as a GPX (and run B as a FIT);
then run A's FIT and the Strava rows arrive. The FIT must replace the GPX's samples, run A's
activity_id moves to the FIT's earlier start (the old id's samples deleted), and the Strava
row is merged in, so each activity counts once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pytest

from fitelt.warehouse import ConnInfo
from fitelt.warehouse.athletes import ensure_athlete
from fitelt.warehouse.bootstrap import ensure_layout
from tests.conftest import PROJECT_ROOT, create_database, drop_database
from tests.dbt import test_activity_marts_synthetic as synthetic

DBT_PROJECT = PROJECT_ROOT / "dbt_project"
SELECTION = [
    "stg_activity_files__files", "stg_activity_files__records", "stg_activity_files__laps",
    "stg_strava__activities", "activity_heart_rate", "activities", "activity_records",
    "activity_laps", "activity_hr_zones", "best_efforts", "runs", "running_weekly",
]  # fmt: skip
EFFORTS = {"400 m": 400.0, "1 km": 1000.0, "1 mile": 1609.344, "5 km": 5000.0}


@dataclass(frozen=True)
class Built:
    db: ConnInfo
    files: dict[str, synthetic.Version]
    first: dict[str, pd.DataFrame]  # marts after the first build (GPX of run A only)


def run_dbt_build(db: ConnInfo, work: Path, selection: list[str], timezone: str) -> None:
    """`dbt build` of `selection`, in a target folder of the test's own."""
    env = {
        **os.environ,
        **db.libpq_env(prefix="FITELT_PG"),
        "FITELT_DEFAULT_TIMEZONE": timezone,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        str(Path(sys.executable).parent / "dbt"), "build", "--select", *selection,
        "--indirect-selection", "cautious",
        "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-6000:]


def dbt_build(db: ConnInfo, work: Path) -> None:
    """`dbt build` of the activity marts and runs."""
    run_dbt_build(db, work, SELECTION, synthetic.TIMEZONE)


def read(db: ConnInfo, sql: str) -> pd.DataFrame:
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        frame = pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])
    conn.close()
    return frame


@pytest.fixture(scope="module")
def built(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    work = tmp_path_factory.mktemp("activity_marts")
    try:
        ensure_layout(db, reader_password=None)
        ensure_athlete(db, synthetic.ATHLETE, synthetic.TIMEZONE)
        files = synthetic.versions()
        synthetic.load(db.dsn(), [files["a_gpx"], files["b_fit"]], [], load_id="1.1")
        dbt_build(db, work)
        first = {
            table: read(db, f"select * from marts.{table}")
            for table in ("activities", "activity_records", "runs")
        }
        strava = synthetic.strava_rows(files["a_fit"].row)
        synthetic.load(db.dsn(), [files["a_fit"]], strava, load_id="2.1")
        dbt_build(db, work)
        yield Built(db, files, first)
    finally:
        drop_database(pg_server, name)


def activity_ids(built: Built) -> dict[str, str]:
    """Run A and run B's activity_id, found by their chosen version."""
    frame = read(built.db, "select activity_id, content_sha256 from marts.activities")
    by_sha = dict(zip(frame["content_sha256"], frame["activity_id"], strict=True))
    return {key: by_sha[built.files[f"{key}_fit"].row["content_sha256"]] for key in ("a", "b")}


def test_first_build_took_the_gpx_then_the_fit_replaced_it(built: Built) -> None:
    gpx = built.files["a_gpx"]
    acts = built.first["activities"].set_index("content_sha256")
    old_id, gpx_version = acts.loc[
        gpx.row["content_sha256"], ["activity_id", "version_fingerprint"]
    ]
    first = built.first["activity_records"]
    assert (first["version_fingerprint"] == gpx_version).sum() == len(gpx.records)
    assert len(first) == len(gpx.records) + len(built.files["b_fit"].records)
    ids = activity_ids(built)
    assert old_id != ids["a"], "run A's earliest start moved 3 s back: a new activity_id"
    now = read(built.db, "select activity_id, version_fingerprint from marts.activity_records")
    assert old_id not in set(now["activity_id"]), "the old id's samples were deleted"
    for mart in ("activity_laps", "activity_hr_zones", "best_efforts"):
        ids_there = set(read(built.db, f"select activity_id from marts.{mart}")["activity_id"])
        assert ids_there == {ids["a"], ids["b"]}, f"{mart}: the GPX's rows were deleted"
    assert gpx_version not in set(now["version_fingerprint"])
    assert (built.first["runs"]["activity_id"] < 0).all(), "no Strava id yet: negative ids"


def test_each_activity_counts_once_with_its_richest_version(built: Built) -> None:
    acts = read(built.db, "select * from marts.activities order by started_at")
    assert len(acts) == 3, "run A (FIT + GPX + Strava), the ride, run B"
    a = acts.set_index("activity_id").loc[activity_ids(built)["a"]]
    fit = built.files["a_fit"]
    assert a["source"] == "fit" and a["content_sha256"] == fit.row["content_sha256"]
    assert a["versions_merged"] == 3 and a["merged_sources"] == "fit,gpx,strava_export"
    assert a["strava_activity_id"] == synthetic.STRAVA_RUN_ID and a["name"] == "Morning Run"
    assert a["distance_m"] == pytest.approx(fit.records["distance_m"].iloc[-1], rel=1e-12)
    assert str(a["started_at_local"]) == "2024-05-04 08:00:00"  # 06:00 UTC + 7200 s
    ride = acts.loc[acts["sport"] == "cycling"]
    assert ride["versions_merged"].tolist() == [1], "a ride 30 s later is another activity"
    runs = read(built.db, "select * from marts.runs order by started_at")
    assert runs["activity_id"].iloc[0] == synthetic.STRAVA_RUN_ID, "run A under its Strava id"
    assert runs["activity_id"].iloc[1] < 0, "run B, only a file: a negative id"
    assert runs["distance_km"].iloc[0] == pytest.approx(a["distance_m"] / 1000, rel=1e-12)
    assert runs["moving_time_s"].iloc[0] == round(fit.records["timer_s"].iloc[-1])
    assert runs["previous_activity_id"].iloc[1] == synthetic.STRAVA_RUN_ID


def test_records_are_the_chosen_versions_samples(built: Built) -> None:
    ids = activity_ids(built)
    records = read(built.db, "select * from marts.activity_records order by recorded_at")
    for key in ("a", "b"):
        expected = built.files[f"{key}_fit"].records
        actual = records.loc[records["activity_id"] == ids[key]]
        assert len(actual) == len(expected)
        for column in ("elapsed_s", "timer_s", "distance_m", "speed_mps"):
            np.testing.assert_allclose(actual[column], expected[column], rtol=1e-12)
        heart = expected["heart_rate"].dropna().astype(float)
        assert actual["heart_rate"].dropna().astype(float).mean() == pytest.approx(heart.mean())
    index = read(built.db, "select indexdef from pg_indexes where tablename = 'activity_records'")
    assert index["indexdef"].str.contains(r"\(athlete_id, activity_id, recorded_at\)").any()


def expected_splits(records: pd.DataFrame) -> pd.DataFrame:
    """1-km splits: crossing instants by linear interpolation (np.interp on distance)."""
    d = records["distance_m"].cummax().to_numpy()
    elapsed, timer = records["elapsed_s"].to_numpy(), records["timer_s"].to_numpy()
    marks = np.arange(1000.0, d[-1], 1000.0)  # crossings strictly before the end
    bounds_d = np.concatenate([[d[0]], marks, [d[-1]]])
    bounds_e = np.concatenate([[elapsed[0]], np.interp(marks, d, elapsed), [elapsed[-1]]])
    bounds_t = np.concatenate([[timer[0]], np.interp(marks, d, timer), [timer[-1]]])
    split = np.searchsorted(bounds_e[1:-1], elapsed, side="right")
    heart = records["heart_rate"].astype(float).groupby(split)
    return pd.DataFrame(
        {
            "distance_m": np.diff(bounds_d),
            "elapsed_time_s": np.diff(bounds_e),
            "moving_time_s": np.diff(bounds_t),
            "avg_heart_rate": heart.mean().to_numpy(),
            "max_heart_rate": heart.max().to_numpy(),
        }
    )


def test_laps_auto_1km_splits_and_file_laps(built: Built) -> None:
    ids = activity_ids(built)
    laps = read(built.db, "select * from marts.activity_laps order by activity_id, lap_index")
    auto = laps.loc[laps["activity_id"] == ids["a"]].reset_index(drop=True)
    expected = expected_splits(built.files["a_fit"].records)
    assert (auto["lap_source"] == "auto_1km").all() and len(auto) == len(expected) == 6
    for column in expected:
        np.testing.assert_allclose(auto[column].astype(float), expected[column], rtol=1e-9)
    assert auto["moving_time_s"].sum() == pytest.approx(1799.0)  # the pause is not moving
    file_laps = laps.loc[laps["activity_id"] == ids["b"]].reset_index(drop=True)
    recorded = built.files["b_fit"].laps
    assert (file_laps["lap_source"] == "file").all()
    for column in ("lap_index", "distance_m", "moving_time_s", "avg_heart_rate"):
        np.testing.assert_allclose(file_laps[column].astype(float), recorded[column].astype(float))


def sample_weights(records: pd.DataFrame) -> np.ndarray:
    """Timer seconds to the next sample, at most 10 s; the last sample weighs 0."""
    timer = records["timer_s"].to_numpy()
    return np.clip(np.append(np.diff(timer), 0.0), 0.0, 10.0)


def test_heart_rate_zones(built: Built) -> None:
    ids = activity_ids(built)
    chosen = [built.files["a_fit"].records, built.files["b_fit"].records]
    max_hr = max(float(r["heart_rate"].max()) for r in chosen)
    zones = read(built.db, "select * from marts.activity_hr_zones order by activity_id, zone")
    for key, records in zip(("a", "b"), chosen, strict=True):
        heart = records["heart_rate"].astype(float).to_numpy()
        below = [heart < share * max_hr for share in (0.6, 0.7, 0.8, 0.9)]
        zone = np.select(below, [1, 2, 3, 4], 5)
        weights = sample_weights(records)
        has_hr = ~np.isnan(heart)
        expected = [weights[has_hr & (zone == z)].sum() for z in range(1, 6)]
        actual = zones.loc[zones["activity_id"] == ids[key]]
        assert actual["zone"].tolist() == [1, 2, 3, 4, 5]
        np.testing.assert_allclose(actual["seconds"].astype(float), expected, atol=1e-9)
        assert actual["lower_bpm"].astype(float).tolist()[1] == pytest.approx(0.6 * max_hr)
        assert actual["max_heart_rate"].astype(float).eq(max_hr).all()
        assert sum(expected) < weights.sum() - 29, "the 30-sample HR gap counts in no zone"


def grid_best(records: pd.DataFrame, distance: float) -> float:
    """min over 10 m marks k of t(k + D/10) − t(k), t = timer time at the marks."""
    d = records["distance_m"].cummax().to_numpy()
    marks = np.arange(0.0, np.floor(d[-1] / 10) * 10 + 1e-9, 10.0)
    t = np.interp(marks, d, records["timer_s"].to_numpy())
    whole, frac = int(distance // 10), distance / 10 - distance // 10
    if frac < 1e-12:
        ends = t[whole:]
    else:  # the end between marks whole and whole + 1 later, linearly
        ends = t[whole:-1] + frac * (t[whole + 1 :] - t[whole:-1])
    return float((ends - t[: len(ends)]).min())


def fine_best(records: pd.DataFrame, distance: float) -> float:
    """The same over starts every 1 m, the exact interpolated end: a sanity bound."""
    d = records["distance_m"].cummax().to_numpy()
    timer = records["timer_s"].to_numpy()
    starts = np.arange(0.0, d[-1] - distance, 1.0)
    return float((np.interp(starts + distance, d, timer) - np.interp(starts, d, timer)).min())


def test_best_efforts(built: Built) -> None:
    ids = activity_ids(built)
    efforts = read(built.db, "select * from marts.best_efforts")
    for key in ("a", "b"):
        records = built.files[f"{key}_fit"].records
        mine = efforts.loc[efforts["activity_id"] == ids[key]].set_index("effort")
        assert set(mine.index) == set(EFFORTS), "no 10 km in runs of 5.7 and 7.5 km"
        for effort, distance in EFFORTS.items():
            seconds = float(mine.loc[effort, "seconds"])
            assert seconds == pytest.approx(grid_best(records, distance), rel=1e-9)
            assert -0.05 < seconds - fine_best(records, distance) < 3.0
            pace = seconds / 60 / (distance / 1000)
            assert float(mine.loc[effort, "pace_min_per_km"]) == pytest.approx(pace)
    one_km = efforts.loc[efforts["effort"] == "1 km"].set_index("activity_id")
    assert one_km.loc[ids["a"], "athlete_rank"] == 1, "run A's fast stretch is the best 1 km"
    assert one_km.loc[ids["b"], "athlete_rank"] == 2
