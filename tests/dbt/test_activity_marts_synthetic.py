"""Synthetic activity files for test_activity_marts: raw rows as the decoder writes them (the
contract in the activity_files source), made with numpy, and the raw tables' DDL.

Run A (1 Hz FIT, a 60 s pause, a 30 s heart-rate gap) also exists as a sparser GPX 3 s later
and as a Strava export row; run B is an unrelated FIT run with two laps; a Strava ride starts
30 s after run A (another sport: not the same activity). No tests here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import psycopg2
import psycopg2.extras

ATHLETE = "runner"
TIMEZONE = "Europe/Paris"
SERIAL = 3_900_001
STRAVA_RUN_ID = 1_234_567
STRAVA_RIDE_ID = 1_234_568
A_START = datetime(2024, 5, 4, 6, 0, 0, tzinfo=UTC)
B_START = datetime(2024, 5, 6, 17, 30, 0, tzinfo=UTC)

DDL = """
create table raw.activity_files (
    content_sha256 text not null primary key, athlete_id text not null,
    source_format text not null, source_file text not null, file_identity text,
    device_serial bigint, device_manufacturer text, device_product text, sport text not null,
    sub_sport text, started_at timestamptz not null, utc_offset_s integer,
    distance_m double precision, moving_time_s double precision,
    elapsed_time_s double precision, avg_heart_rate double precision,
    max_heart_rate double precision, avg_speed_mps double precision,
    elevation_gain_m double precision, avg_power_w double precision, calories double precision,
    record_count integer not null, lap_count integer not null, strava_activity_id bigint,
    activity_name text, _dlt_load_id text not null, _dlt_id text not null
);
create table raw.activity_file_records (
    content_sha256 text not null, athlete_id text not null, recorded_at timestamptz not null,
    elapsed_s double precision not null, timer_s double precision not null,
    distance_m double precision, heart_rate smallint, speed_mps double precision,
    cadence smallint, power_w smallint, altitude_m double precision, lat double precision,
    lon double precision, temperature_c smallint, _dlt_load_id text not null,
    _dlt_id text not null
);
create table raw.activity_file_laps (
    content_sha256 text not null, athlete_id text not null, lap_index integer not null,
    started_at timestamptz not null, elapsed_time_s double precision,
    moving_time_s double precision, distance_m double precision,
    avg_heart_rate double precision, max_heart_rate double precision,
    avg_speed_mps double precision, avg_power_w double precision, calories double precision,
    lap_trigger text, _dlt_load_id text not null, _dlt_id text not null
);
create table raw.strava_activities (
    athlete_id text not null, activity_id bigint not null, name text, sport_type text not null,
    type text, start_date timestamptz not null, start_date_local timestamp, timezone text,
    distance_m double precision, moving_time_s bigint, elapsed_time_s bigint,
    total_elevation_gain_m double precision, average_speed double precision,
    max_speed double precision, average_heartrate double precision,
    max_heartrate double precision, data_source text not null, source_file text
);
"""


@dataclass(frozen=True)
class Version:
    """One decoded file: its summary row (raw.activity_files), samples and laps."""

    row: dict
    records: pd.DataFrame
    laps: pd.DataFrame


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def samples(start: datetime, seconds: int, seed: int, pause_at: int | None) -> pd.DataFrame:
    """1 Hz samples: for run A (a pause) a fast stretch across it, the pause (no samples for
    60 s, the timer stopped); a heart-rate gap; distance strictly increasing (speed × timer
    seconds)."""
    rng = np.random.default_rng(seed)
    timer = np.arange(seconds, dtype=float)
    elapsed = timer.copy()
    if pause_at is not None:
        elapsed[pause_at + 1 :] += 60.0
    speed = 3.0 + 0.3 * np.sin(timer / 97.0) + rng.uniform(-0.1, 0.1, seconds)
    if pause_at is not None:
        speed[(timer >= 800) & (timer < 1200)] += 0.7  # the fast stretch, across the pause
    distance = np.concatenate([[0.0], np.cumsum(speed[1:])])  # 1 timer second per step
    heart = np.clip(118 + timer / 30 + rng.normal(0, 3, seconds), 90, 205).round()
    heart_rate = pd.Series(heart, dtype="Int64")
    heart_rate[300:330] = pd.NA  # strap lost for 30 samples
    return pd.DataFrame(
        {
            "recorded_at": [start + timedelta(seconds=float(e)) for e in elapsed],
            "elapsed_s": elapsed,
            "timer_s": timer,
            "distance_m": distance,
            "heart_rate": heart_rate,
            "speed_mps": speed,
            "cadence": pd.Series(np.full(seconds, 86), dtype="Int64"),
            "power_w": pd.Series([pd.NA] * seconds, dtype="Int64"),
            "altitude_m": 35 + np.sin(timer / 300.0) * 5,
            "lat": 48.85 + distance / 111_000,
            "lon": np.full(seconds, 2.35),
            "temperature_c": pd.Series(np.full(seconds, 14), dtype="Int64"),
        }
    )


def summary(records: pd.DataFrame, **row: object) -> dict:
    """The file row, its summary computed from its records as the decoder does."""
    heart = records["heart_rate"].dropna().astype(float)
    moving = float(records["timer_s"].iloc[-1] - records["timer_s"].iloc[0])
    distance = float(records["distance_m"].iloc[-1])
    return {
        "athlete_id": ATHLETE, "file_identity": None, "device_serial": None,
        "device_manufacturer": None, "device_product": None, "sub_sport": None,
        "utc_offset_s": None, "distance_m": distance, "moving_time_s": moving,
        "elapsed_time_s": float(records["elapsed_s"].iloc[-1]),
        "avg_heart_rate": float(heart.mean()) if len(heart) else None,
        "max_heart_rate": float(heart.max()) if len(heart) else None,
        "avg_speed_mps": distance / moving, "elevation_gain_m": 12.0, "avg_power_w": None,
        "calories": 400.0, "record_count": len(records), "lap_count": 0, "sport": "running",
        "strava_activity_id": None, "activity_name": None, **row,
    }  # fmt: skip


def versions() -> dict[str, Version]:
    """a_fit, a_gpx (run A twice) and b_fit."""
    a = samples(A_START, 1800, seed=1, pause_at=900)
    a_fit = summary(
        a, content_sha256=sha("a.fit"), source_format="fit", source_file="a.fit",
        file_identity=f"fit:{SERIAL}:{int(A_START.timestamp())}", device_serial=SERIAL,
        started_at=A_START, utc_offset_s=7200,
    )  # fmt: skip
    gpx = a.iloc[::5].reset_index(drop=True).copy()  # sparser, no heart rate, no timer
    gpx["recorded_at"] = gpx["recorded_at"] + timedelta(seconds=3)
    gpx["timer_s"] = gpx["elapsed_s"]
    gpx["heart_rate"] = pd.Series([pd.NA] * len(gpx), dtype="Int64")
    a_gpx = summary(
        gpx, content_sha256=sha("a.gpx"), source_format="gpx", source_file="a.gpx",
        started_at=A_START + timedelta(seconds=3),
    )  # fmt: skip
    b = samples(B_START, 2400, seed=2, pause_at=None)
    cut = 1200
    b_laps = pd.DataFrame(
        [lap(b.iloc[: cut + 1], 0), lap(b.iloc[cut:], 1)]
    )  # laps share the sample at the cut, as FIT laps share their boundary instant
    b_fit = summary(
        b, content_sha256=sha("b.fit"), source_format="fit", source_file="b.fit",
        file_identity=f"fit:{SERIAL}:{int(B_START.timestamp())}", device_serial=SERIAL,
        started_at=B_START, utc_offset_s=7200, lap_count=2,
    )  # fmt: skip
    no_laps = pd.DataFrame(columns=b_laps.columns)
    return {
        "a_fit": Version(a_fit, a, no_laps),
        "a_gpx": Version(a_gpx, gpx, no_laps),
        "b_fit": Version(b_fit, b, b_laps),
    }


def lap(part: pd.DataFrame, index: int) -> dict:
    heart = part["heart_rate"].dropna().astype(float)
    moving = float(part["timer_s"].iloc[-1] - part["timer_s"].iloc[0])
    distance = float(part["distance_m"].iloc[-1] - part["distance_m"].iloc[0])
    return {
        "lap_index": index, "started_at": part["recorded_at"].iloc[0],
        "elapsed_time_s": float(part["elapsed_s"].iloc[-1] - part["elapsed_s"].iloc[0]),
        "moving_time_s": moving, "distance_m": distance, "avg_heart_rate": heart.mean(),
        "max_heart_rate": heart.max(), "avg_speed_mps": distance / moving,
        "avg_power_w": None, "calories": 200.0, "lap_trigger": "manual",
    }  # fmt: skip


def strava_rows(fit_a: dict) -> list[dict]:
    """Run A as the Strava export has it (rounded, a shorter distance) and a ride."""
    local = (A_START + timedelta(hours=2)).replace(tzinfo=None)
    common = {"athlete_id": ATHLETE, "timezone": TIMEZONE, "data_source": "export"}
    return [
        {**common, "activity_id": STRAVA_RUN_ID, "name": "Morning Run", "sport_type": "Run",
         "start_date": A_START, "start_date_local": local,
         "distance_m": round(fit_a["distance_m"] * 0.97, 1),
         "moving_time_s": round(fit_a["moving_time_s"]), "elapsed_time_s": 1860,
         "average_heartrate": 150.0, "max_heartrate": 181.0},
        {**common, "activity_id": STRAVA_RIDE_ID, "name": "Ride", "sport_type": "Ride",
         "start_date": A_START + timedelta(seconds=30),
         "start_date_local": local + timedelta(seconds=30), "distance_m": 20000.0,
         "moving_time_s": 3000, "elapsed_time_s": 3100, "average_heartrate": None,
         "max_heartrate": None},
    ]  # fmt: skip


def plain(value: object) -> object:
    """A value psycopg2 adapts: None for NA, Python scalars for numpy ones."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def insert(cur, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    values = [[plain(r[c]) for c in columns] for r in rows]
    psycopg2.extras.execute_values(
        cur, f"insert into raw.{table} ({', '.join(columns)}) values %s", values
    )


def load(dsn: str, files: list[Version], strava: list[dict], load_id: str) -> None:
    """Create the raw tables (once) and insert the versions and Strava rows, as dlt load
    `load_id` (the activity tables carry dlt's _dlt_load_id and _dlt_id)."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('raw.activity_files') is null")
        if cur.fetchone()[0]:
            cur.execute(DDL)
        for version in files:
            sha256 = version.row["content_sha256"]
            dlt_columns = {"_dlt_load_id": load_id}
            insert(cur, "activity_files", [{**version.row, **dlt_columns, "_dlt_id": sha256}])
            for table, frame in (("records", version.records), ("laps", version.laps)):
                extra = {"content_sha256": sha256, "athlete_id": ATHLETE, **dlt_columns}
                rows = [
                    {**extra, **r, "_dlt_id": f"{sha256[:16]}-{i}"}
                    for i, r in enumerate(frame.to_dict("records"))
                ]
                insert(cur, f"activity_file_{table}", rows)
        insert(cur, "strava_activities", strava)
    conn.close()
