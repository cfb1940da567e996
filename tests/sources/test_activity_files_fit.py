"""FIT files written by Garmin's SDK encoder, decoded by the source (fitdecode), checked against
the synthetic track they were written from, or against Garmin's own decoder."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from garmin_fit_sdk import Decoder, Stream

from dlt_sources.synthetic.activity_files import (
    fit_bytes,
    non_activity_fit_bytes,
    write_fit,
)
from tests.sources.activity_fixtures import read_files, short_run, track_of


def _expected_times(track) -> pd.Series:
    return pd.Series(pd.to_datetime([t for t in track.times()], utc=True), name="recorded_at")


def test_pauses_stop_the_timer_and_moving_time_is_the_sessions(tmp_path: Path) -> None:
    track = track_of(short_run(10, paused_s=180), seed=3)
    assert track.pauses, "the track pauses"
    result = read_files(write_fit(tmp_path / "paused.fit", track))
    [row] = result.files
    records = result.records()

    assert row["moving_time_s"] == pytest.approx(track.running_s[-1])  # session timer time
    assert row["elapsed_time_s"] == pytest.approx(track.wall_s[-1])
    assert row["moving_time_s"] < row["elapsed_time_s"]
    # Timer seconds come from the file's timer events only; the track knows them independently.
    np.testing.assert_allclose(records["timer_s"], track.running_s)
    np.testing.assert_allclose(records["elapsed_s"], track.wall_s)
    for stop, resume in track.pauses:
        assert records["timer_s"][resume] == records["timer_s"][stop]  # flat over the pause
        assert records["elapsed_s"][resume] - records["elapsed_s"][stop] > 10
    assert (records["recorded_at"] == _expected_times(track)).all()
    assert row["started_at"] == track.start
    assert row["utc_offset_s"] == 7200  # Paris in June, from activity.local_timestamp


def test_heart_rate_gaps_stay_null_and_averages_skip_them(tmp_path: Path) -> None:
    track = track_of(short_run(8), hr_gap=True)
    result = read_files(write_fit(tmp_path / "gap.fit", track))
    records = result.records()

    expected_gap = np.isnan(track.heart_rate)
    assert expected_gap.sum() > 60
    assert (records["heart_rate"].isna().to_numpy() == expected_gap).all()  # never filled
    np.testing.assert_array_equal(
        records["heart_rate"].dropna().to_numpy(), track.heart_rate[~expected_gap]
    )
    [row] = result.files
    assert row["avg_heart_rate"] == round(float(np.nanmean(track.heart_rate)))
    assert row["max_heart_rate"] == np.nanmax(track.heart_rate)


def test_laps_are_read_with_their_summaries(tmp_path: Path) -> None:
    track = track_of(short_run(12, paused_s=60), laps=True)
    result = read_files(write_fit(tmp_path / "laps.fit", track))
    laps = result.versions[0].laps.to_pandas()
    times = track.times()

    assert len(track.lap_starts) >= 3
    assert result.files[0]["lap_count"] == len(track.lap_starts)
    assert laps["lap_index"].tolist() == list(range(len(track.lap_starts)))
    assert laps["started_at"].tolist() == [
        pd.Timestamp(times[i]).tz_convert(UTC) for i in track.lap_starts
    ]
    ends = [*track.lap_starts[1:], len(times) - 1]
    expected = [
        track.distance[e] - track.distance[s] for s, e in zip(track.lap_starts, ends, strict=True)
    ]
    np.testing.assert_allclose(laps["distance_m"], expected, atol=0.011)
    assert set(laps["lap_trigger"]) == {"distance"}
    assert laps["moving_time_s"].sum() == pytest.approx(track.running_s[-1])


def test_a_ride_with_power_and_plain_speed_altitude_fields(tmp_path: Path) -> None:
    track = track_of(short_run(6, sport="Ride"), laps=False)
    result = read_files(write_fit(tmp_path / "ride.fit", track, enhanced=False))
    [row] = result.files
    records = result.records()

    assert (row["sport"], row["sub_sport"], row["lap_count"]) == ("cycling", "road", 0)
    np.testing.assert_array_equal(records["power_w"].to_numpy(), track.power)
    assert row["avg_power_w"] == round(float(track.power.mean()))
    np.testing.assert_allclose(records["speed_mps"], track.speed, atol=1e-9)  # `speed` field
    np.testing.assert_allclose(records["altitude_m"], track.altitude, atol=1e-9)
    np.testing.assert_array_equal(records["cadence"], track.cadence)
    np.testing.assert_array_equal(records["temperature_c"], track.temperature)
    assert str(result.versions[0].records.schema.field("power_w").type) == "int16"


def test_positions_are_semicircles_converted_to_degrees(tmp_path: Path) -> None:
    track = track_of(short_run(5))
    data = fit_bytes(track)
    result = read_files(write_fit(tmp_path / "where.fit", track))
    records = result.records()
    # Garmin's own decoder: positions as stored, semicircles (the profile gives them no scale).
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    raw_lat = np.array([m["position_lat"] for m in messages["record_mesgs"]], dtype=float)
    raw_lon = np.array([m["position_long"] for m in messages["record_mesgs"]], dtype=float)

    np.testing.assert_allclose(records["lat"], raw_lat * 180 / 2**31, rtol=0, atol=1e-12)
    np.testing.assert_allclose(records["lon"], raw_lon * 180 / 2**31, rtol=0, atol=1e-12)
    np.testing.assert_allclose(records["lat"], track.lat, atol=1e-7)  # a semicircle's size
    assert 48 < records["lat"].mean() < 50 and 2 < records["lon"].mean() < 3  # near Paris


def test_device_identity_is_from_file_id(tmp_path: Path) -> None:
    track = track_of(short_run(3))
    [row] = read_files(write_fit(tmp_path / "id.fit", track)).files
    assert row["device_serial"] == track.serial
    assert (row["device_manufacturer"], row["device_product"]) == ("garmin", "fr945")
    assert row["file_identity"] == f"fit:{track.serial}:{int(track.start.timestamp())}"
    assert row["source_format"] == "fit" and row["source_file"] == "id.fit"
    assert row["record_count"] == track.wall_s.size


def test_a_truncated_fit_is_rejected_whole(tmp_path: Path) -> None:
    data = fit_bytes(track_of(short_run(5)))
    path = tmp_path / "cut.fit"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = read_files(path)

    assert result.versions == []  # nothing of it, not even the records before the cut
    assert len(result.rejected) == 1 and result.rejected[0][0] == "cut.fit"
    assert "FIT file is corrupt or truncated" in result.rejected[0][1]
    [row] = result.quarantined
    assert (row["source_file"], row["source_line"]) == ("cut.fit", 0)
    assert row["reason"].startswith("file rejected: FIT file is corrupt or truncated")


def test_a_flipped_byte_fails_the_crc(tmp_path: Path) -> None:
    data = bytearray(fit_bytes(track_of(short_run(3))))
    data[len(data) // 2] ^= 0x01
    path = tmp_path / "flipped.fit"
    path.write_bytes(bytes(data))
    result = read_files(path)
    assert result.versions == [] and len(result.rejected) == 1
    assert "CRC" in result.rejected[0][1] or "corrupt" in result.rejected[0][1]


def test_a_settings_fit_is_skipped_not_rejected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "Settings.fit"
    path.write_bytes(non_activity_fit_bytes("settings"))
    result = read_files(path)
    assert result.versions == [] and result.quarantined == [] and result.rejected == []
    assert result.counts["skipped"] == 1
    assert "FIT file type is 'settings', not 'activity'" in caplog.text


def test_duplicate_timestamps_are_merged_into_one_record(tmp_path: Path) -> None:
    track = track_of(short_run(2), laps=False)
    track.wall_s[5] = track.wall_s[4]  # two messages in one second (some devices do this)
    track.heart_rate[5] = np.nan
    [version] = read_files(write_fit(tmp_path / "dup.fit", track)).versions
    records = version.records.to_pandas()
    assert records["recorded_at"].is_unique
    assert len(records) == track.wall_s.size - 1
    assert records["recorded_at"][4] == pd.Timestamp(track.start + timedelta(seconds=4))
    assert records["heart_rate"][4] == track.heart_rate[4]  # the later message had no HR
