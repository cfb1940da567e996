"""TCX (written by lxml) and GPX (written by gpxpy) activities read back by the source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlt_sources.activity_files.geo import elevation_gain_m
from dlt_sources.synthetic.activity_files import gpx_bytes, write_gpx, write_tcx
from tests.sources.activity_fixtures import read_files, short_run, track_of


def _haversine_total(lat: np.ndarray, lon: np.ndarray) -> float:
    """Independent recomputation: pandas shifts, mean Earth radius."""
    frame = pd.DataFrame({"lat": np.radians(lat), "lon": np.radians(lon)})
    previous = frame.shift()
    a = (
        np.sin((frame.lat - previous.lat) / 2) ** 2
        + np.cos(previous.lat) * np.cos(frame.lat) * np.sin((frame.lon - previous.lon) / 2) ** 2
    )
    return float((2 * 6_371_008.8 * np.arcsin(np.sqrt(a))).sum())


def test_tcx_heart_rate_cadence_laps_and_pauses(tmp_path: Path) -> None:
    track = track_of(short_run(10, paused_s=120), hr_gap=True, laps=True)
    result = read_files(write_tcx(tmp_path / "run.tcx", track))
    [row] = result.files
    records = result.records()
    laps = result.versions[0].laps.to_pandas()

    assert (row["source_format"], row["sport"], row["device_product"]) == (
        "tcx", "running", "Forerunner 945",
    )  # fmt: skip
    assert row["device_serial"] == track.serial and row["file_identity"] is None
    gap = np.isnan(track.heart_rate)
    assert (records["heart_rate"].isna().to_numpy() == gap).all()
    np.testing.assert_array_equal(records["heart_rate"].dropna(), track.heart_rate[~gap])
    np.testing.assert_array_equal(records["cadence"], track.cadence)  # ns3:RunCadence
    np.testing.assert_allclose(records["speed_mps"], track.speed, atol=1e-9)
    np.testing.assert_allclose(records["distance_m"], track.distance, atol=1e-9)
    np.testing.assert_allclose(records["lat"], track.lat, atol=1e-7)
    # A new <Track> after each pause: the timer stands still over it.
    np.testing.assert_allclose(records["timer_s"], track.running_s)
    assert row["moving_time_s"] == pytest.approx(track.running_s[-1])  # Σ TotalTimeSeconds
    assert row["elapsed_time_s"] == pytest.approx(track.wall_s[-1])
    assert row["lap_count"] == len(track.lap_starts) == len(laps)
    assert laps["moving_time_s"].sum() == pytest.approx(track.running_s[-1])
    assert (laps["lap_trigger"] == "distance").all()
    assert row["avg_heart_rate"] == pytest.approx(np.nanmean(track.heart_rate))
    assert row["max_heart_rate"] == np.nanmax(track.heart_rate)
    assert row["calories"] is not None and row["utc_offset_s"] is None


def test_tcx_ride_power_and_bike_cadence(tmp_path: Path) -> None:
    track = track_of(short_run(4, sport="Ride"), laps=False)
    [version] = read_files(write_tcx(tmp_path / "ride.tcx", track)).versions
    records = version.records.to_pandas()
    [row] = version.files.to_pylist()
    assert row["sport"] == "cycling" and row["lap_count"] == 1  # TCX always has a lap
    np.testing.assert_array_equal(records["power_w"], track.power)  # ns3:Watts
    np.testing.assert_array_equal(records["cadence"], track.cadence)  # <Cadence>
    assert row["avg_power_w"] == pytest.approx(track.power.mean())


def test_gpx_distances_elevation_and_extensions(tmp_path: Path) -> None:
    track = track_of(short_run(9, paused_s=90), laps=False, hr_gap=True)
    result = read_files(write_gpx(tmp_path / "run.gpx", track))
    [row] = result.files
    records = result.records()

    assert (row["source_format"], row["sport"], row["lap_count"]) == ("gpx", "running", 0)
    assert row["started_at"] == track.start
    assert row["distance_m"] == pytest.approx(_haversine_total(track.lat, track.lon), rel=1e-6)
    assert row["distance_m"] == pytest.approx(track.distance[-1], rel=0.01)  # the track's own
    assert records["distance_m"].is_monotonic_increasing
    gap = np.isnan(track.heart_rate)
    assert (records["heart_rate"].isna().to_numpy() == gap).all()  # gpxtpx:hr
    np.testing.assert_array_equal(records["cadence"], track.cadence)  # gpxtpx:cad
    np.testing.assert_allclose(records["timer_s"], track.running_s)  # pauses = new trkseg
    assert row["moving_time_s"] == pytest.approx(track.running_s[-1])
    assert row["elapsed_time_s"] == pytest.approx(track.wall_s[-1])
    climbs = np.diff(track.altitude)
    assert row["elevation_gain_m"] == pytest.approx(climbs[climbs > 0].sum(), abs=2.5)


def test_elevation_gain_ignores_noise_below_the_threshold() -> None:
    rng = np.random.default_rng(5)
    flat = 100 + rng.uniform(-0.9, 0.9, 600)  # ±0.9 m of barometer noise
    assert elevation_gain_m(flat) == 0.0
    hill = np.concatenate([np.linspace(100, 150, 300), np.linspace(150, 120, 300)])
    assert elevation_gain_m(hill + rng.uniform(-0.5, 0.5, 600)) == pytest.approx(50, abs=1.5)
    assert elevation_gain_m(np.array([np.nan, 3.0])) is None


def test_a_gpx_without_times_is_rejected_with_a_clear_reason(tmp_path: Path) -> None:
    path = tmp_path / "route.gpx"
    path.write_bytes(gpx_bytes(track_of(short_run(3)), with_times=False))
    result = read_files(path)
    assert result.versions == []
    assert result.rejected == [
        ("route.gpx", "GPX track has no timestamps: cannot place it in time")
    ]
    [row] = result.quarantined
    assert row["source_line"] == 0
    assert row["reason"] == "file rejected: GPX track has no timestamps: cannot place it in time"


def test_broken_xml_is_rejected_whole(tmp_path: Path) -> None:
    text = write_tcx(tmp_path / "full.tcx", track_of(short_run(3))).read_bytes()
    cut = tmp_path / "cut.tcx"
    cut.write_bytes(text[: len(text) // 2])
    gpx = tmp_path / "cut.gpx"
    gpx.write_bytes(gpx_bytes(track_of(short_run(3)))[:5000])
    result = read_files(cut, gpx)
    assert result.versions == []
    assert [name for name, _ in result.rejected] == ["cut.tcx", "cut.gpx"]
    assert "TCX file is not well-formed XML" in result.rejected[0][1]
    assert "GPX file is not readable" in result.rejected[1][1]
