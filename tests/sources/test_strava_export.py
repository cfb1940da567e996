"""The Strava bulk-export `activities.csv`: duplicated header names are read by position."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dlt_sources.common.quarantine import RowError
from dlt_sources.strava.export import (
    ExportFormatError,
    format_export_date,
    parse_export_date,
    read_activities_csv,
)
from dlt_sources.strava.settings import EXPORT_HEADER
from dlt_sources.synthetic import simulate_athlete
from fitelt.inbox.store import detect_kind

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _export(tmp_path: Path, *records: dict[int, str]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for record in records:
        cells = [""] * len(EXPORT_HEADER)
        for index, value in record.items():
            cells[index] = value
        writer.writerow(cells)
    path = tmp_path / "activities.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_duplicated_columns_are_taken_by_position(tmp_path: Path) -> None:
    # Values of a real export row: display copies first (km, whole seconds), base units later.
    record = {
        0: "4196841123",
        1: "Oct 7, 2020, 2:43:11 PM",
        2: "Lunch Run, with a comma",
        3: "Trail Run",
        4: 'A "quoted"\nmulti-line description',
        5: "3725",  # Elapsed Time (display)
        6: "12.36",  # Distance in km
        7: "181",  # Max Heart Rate (display)
        8: "57",  # Relative Effort
        9: "false",  # Commute
        15: "3725.0",  # Elapsed Time, seconds
        16: "3601.0",  # Moving Time
        17: "12360.4",  # Distance in metres
        18: "4.9",  # Max Speed
        19: "3.432",  # Average Speed
        20: "118.0",  # Elevation Gain
        30: "182.0",  # Max Heart Rate
        31: "151.3",  # Average Heart Rate
        37: "57.0",  # Relative Effort again
        50: "0.0",  # Commute again
    }
    path = _export(tmp_path, record)
    [(line, _raw, row)] = list(
        read_activities_csv(path, athlete_id="demo", timezone="Europe/Paris")
    )
    assert line == 2
    assert isinstance(row, dict)
    assert row["distance_m"] == 12360.4  # the second `Distance`, not 12.36 km
    assert row["elapsed_time_s"] == 3725 and row["moving_time_s"] == 3601
    assert row["max_heartrate"] == 182.0 and row["average_heartrate"] == 151.3
    assert row["max_speed"] == 4.9 and row["average_speed"] == 3.432
    assert row["total_elevation_gain_m"] == 118.0
    assert row["start_date"] == datetime(2020, 10, 7, 14, 43, 11, tzinfo=UTC)
    assert row["start_date_local"] == datetime(2020, 10, 7, 16, 43, 11)  # Paris, summer time
    assert row["sport_type"] == "TrailRun" and row["type"] == "Run"
    assert row["name"] == "Lunch Run, with a comma"


def test_export_dates_parse_in_utc_including_narrow_no_break_space() -> None:
    assert parse_export_date("Oct 7, 2020, 2:43:11 PM") == datetime(
        2020, 10, 7, 14, 43, 11, tzinfo=UTC
    )
    assert parse_export_date("Jan 1, 2024, 12:05:00\u202fAM") == datetime(
        2024, 1, 1, 0, 5, tzinfo=UTC
    )
    moment = datetime(2024, 3, 31, 12, 0, 9, tzinfo=UTC)
    assert format_export_date(moment) == "Mar 31, 2024, 12:00:09 PM"
    assert parse_export_date(format_export_date(moment)) == moment
    with pytest.raises(RowError, match="Activity Date"):
        parse_export_date("2020-10-07 14:43:11")


def test_not_an_activities_export_is_rejected_whole(tmp_path: Path) -> None:
    path = tmp_path / "activities.csv"
    path.write_text("Activity ID,Activity Date,Distance\n1,x,2\n")
    with pytest.raises(ExportFormatError, match="not a Strava activities.csv"):
        list(read_activities_csv(path, athlete_id="demo", timezone="UTC"))


def test_sample_export_round_trips_the_simulated_runs() -> None:
    athlete = simulate_athlete("demo")
    path = SAMPLE / "strava" / "activities.csv"
    rows = [r for _, _, r in read_activities_csv(path, athlete_id="demo", timezone="Europe/Paris")]
    assert all(isinstance(r, dict) for r in rows)
    assert len(rows) == len(athlete.runs)
    runs = sorted(athlete.runs, key=lambda r: r["start_local"])
    paris = ZoneInfo("Europe/Paris")
    for run, row in zip(runs, rows, strict=True):
        assert row["start_date_local"] == run["start_local"]  # local → UTC in file → local
        assert row["start_date"] == run["start_local"].replace(tzinfo=paris).astimezone(UTC)
        assert row["distance_m"] == run["distance_m"]
        assert row["sport_type"] == run["sport_type"]


def test_inbox_recognises_every_sample_export() -> None:
    assert detect_kind(SAMPLE / "strava" / "activities.csv") == "strava"
    assert detect_kind(SAMPLE / "crossfit" / "crossfit_log.csv") == "crossfit"
    assert detect_kind(SAMPLE / "withings" / "weight.csv") == "withings"


def test_strava_table_feeds_its_staging_model_in_its_own_group() -> None:
    import dagster as dg

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    raw = graph.get(dg.AssetKey(["strava", "activities"]))
    assert raw.is_materializable and raw.group_name == "strava"
    staging = graph.get(dg.AssetKey(["staging", "stg_strava__activities"]))
    assert staging.parent_keys == {raw.key}
    assert {s.name for s in defs.schedules or []} >= {"strava_every_3h"}
    assert {s.name for s in defs.sensors or []} >= {"strava_inbox"}
