"""FIT activity files of a track, written by Garmin's FIT SDK encoder."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import numpy as np
from garmin_fit_sdk import Encoder, Profile

from .track import FIT_SPORTS, Track, laps_of, stats_of

MESG = Profile["mesg_num"]
SEMICIRCLES = 2**31 / 180.0


def fit_bytes(track: Track, *, enhanced: bool = True) -> bytes:
    """A FIT activity file of the track (Garmin SDK encoder); `enhanced`: enhanced_* fields."""
    encoder, times = Encoder(), track.times()
    put = encoder.on_mesg
    file_id = {"type": "activity", "manufacturer": "garmin", "product": 3113}
    put(MESG["FILE_ID"], {**file_id, "serial_number": track.serial, "time_created": times[0]})
    put(MESG["EVENT"], {"timestamp": times[0], "event": "timer", "event_type": "start"})
    stops = {stop for stop, _ in track.pauses}
    resumes = {resume for _, resume in track.pauses}
    laps = laps_of(track)
    lap_ends = {last: k for k, (_, last) in enumerate(laps) if track.lap_starts}
    prefix = "enhanced_" if enhanced else ""
    sport, sub_sport, _ = FIT_SPORTS[track.sport_type]
    for i, moment in enumerate(times):
        if i in resumes:
            put(MESG["EVENT"], {"timestamp": moment, "event": "timer", "event_type": "start"})
        hr = track.heart_rate[i]
        record = {
            "timestamp": moment,
            "position_lat": int(round(track.lat[i] * SEMICIRCLES)),
            "position_long": int(round(track.lon[i] * SEMICIRCLES)),
            "distance": float(track.distance[i]),
            f"{prefix}speed": float(track.speed[i]),
            f"{prefix}altitude": float(track.altitude[i]),
            "heart_rate": None if np.isnan(hr) else int(hr),  # absent: a gap, not a zero
            "cadence": int(track.cadence[i]),
            "power": None if track.power is None else int(track.power[i]),
            "temperature": int(track.temperature[i]),
        }
        put(MESG["RECORD"], record)
        if i in stops:
            put(MESG["EVENT"], {"timestamp": moment, "event": "timer", "event_type": "stop_all"})
        if i in lap_ends:
            first, last = laps[lap_ends[i]]
            put(MESG["LAP"], _summary_mesg(track, first, last, times, "distance"))
    put(MESG["EVENT"], {"timestamp": times[-1], "event": "timer", "event_type": "stop_all"})
    session = _summary_mesg(track, 0, len(times) - 1, times, "activity_end")
    session.update(sport=sport, sub_sport=sub_sport, event="session")
    session.update(num_laps=len(track.lap_starts), first_lap_index=0)
    put(MESG["SESSION"], session)
    local = times[-1] + timedelta(seconds=track.utc_offset_s)
    activity = {
        "timestamp": times[-1],
        "local_timestamp": local,  # local time as a FIT local_date_time
        "num_sessions": 1,
        "type": "manual",
        "event": "activity",
        "event_type": "stop",
        "total_timer_time": float(track.running_s[-1]),
    }
    put(MESG["ACTIVITY"], activity)
    return encoder.close()


def _summary_mesg(track: Track, first: int, last: int, times: list, trigger: str) -> dict:
    stats = stats_of(track, first, last)
    mesg = {
        "timestamp": times[last],
        "start_time": times[first],
        "event": "lap",
        "event_type": "stop",
        "total_elapsed_time": stats["elapsed"],
        "total_timer_time": stats["timer"],
        "total_distance": stats["distance"],
        "avg_heart_rate": stats["avg_hr"],
        "max_heart_rate": stats["max_hr"],
        "enhanced_avg_speed": stats["speed"],
        "total_ascent": stats["ascent"],
        "avg_power": stats["power"],
        "total_calories": stats["calories"],
    }
    mesg["lap_trigger" if trigger == "distance" else "trigger"] = trigger
    return mesg


def non_activity_fit_bytes(file_type: str = "settings") -> bytes:
    """A valid FIT file that is no activity (a device's settings file)."""
    encoder = Encoder()
    file_id = {"type": file_type, "manufacturer": "garmin", "product": 3113}
    encoder.on_mesg(MESG["FILE_ID"], {**file_id, "serial_number": 3_912_345_678})
    encoder.on_mesg(MESG["USER_PROFILE"], {"weight": 70.0, "gender": "male", "age": 35})
    return encoder.close()


def write_fit(path: Path, track: Track, *, enhanced: bool = True) -> Path:
    data = fit_bytes(track, enhanced=enhanced)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path
