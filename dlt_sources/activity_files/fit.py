"""FIT activity files, decoded with fitdecode.

The CRC is checked (`CrcCheck.RAISE`): a truncated or damaged file raises `FitFileError` and
loads nothing, never half a track. Malformed definitions inside a file whose CRC is right are
device quirks and are tolerated (`ErrorHandling.IGNORE`). Values are read raw (no data
processor): timestamps stay FIT seconds and are converted here, positions are semicircles
(degrees = value × 180 / 2³¹).

One file is one activity. A multisport file (several sessions) is read as one activity with
the first session's sport and the sessions' totals; splitting it per session is not done yet.
"""

from __future__ import annotations

import logging
from typing import IO, Any

import fitdecode

from .model import DecodedActivity, Device, Lap, NotAnActivity, Summary
from .settings import FIT_DATETIME_MIN, FIT_EPOCH_S, SEMICIRCLES_TO_DEGREES, UTC_OFFSET_LIMIT_S
from .sports import normalise_sport

log = logging.getLogger(__name__)

TIMER_STOPS = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})


class FitFileError(ValueError):
    """The file is not a readable FIT file (bad header, CRC mismatch, truncated)."""


def decode_fit(stream: IO[bytes]) -> DecodedActivity:
    """The activity of a FIT file; NotAnActivity for other FIT file types."""
    try:
        return _FitActivityReader().read(stream)
    except fitdecode.FitError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise FitFileError(f"FIT file is corrupt or truncated: {message}") from exc


def fit_time(value: Any) -> float | None:
    """FIT seconds (since 1989-12-31 UTC) as epoch seconds; None for relative or absent times."""
    if not isinstance(value, int | float) or value < FIT_DATETIME_MIN:
        return None
    return float(value + FIT_EPOCH_S)


class _FitActivityReader:
    def __init__(self) -> None:
        self.activity = DecodedActivity(source_format="fit", sport="other")
        self.file_type: object = None
        self.sessions: list[dict[str, Any]] = []
        self.sport_mesg: dict[str, Any] | None = None
        self.timer_events: list[tuple[float, str]] = []
        self.activity_mesg: dict[str, Any] | None = None
        self.untimed = 0
        self.not_activity: str | None = None  # why, once the file_id said so

    def read(self, stream: IO[bytes]) -> DecodedActivity:
        reader = fitdecode.FitReader(
            stream,
            processor=None,
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.IGNORE,
        )
        data_frame = fitdecode.FIT_FRAME_DATA
        with reader:
            for frame in reader:
                if frame.frame_type != data_frame or self.not_activity:
                    continue  # a file that is no activity is still read to its CRC
                name = frame.name
                if name == "record":
                    self._record({f.name: f.value for f in frame.fields})
                    continue
                values = {f.name: f.value for f in frame.fields}
                if name == "file_id":
                    self._file_id(values)
                elif name == "event":
                    self._event(values)
                elif name == "lap":
                    self._lap(values)
                elif name == "session":
                    self.sessions.append(values)
                elif name == "sport" and self.sport_mesg is None:
                    self.sport_mesg = values
                elif name == "activity" and self.activity_mesg is None:
                    self.activity_mesg = values
        return self._finish()

    def _file_id(self, values: dict[str, Any]) -> None:
        if self.file_type is not None:  # a chained FIT file: the first file_id describes it
            return
        self.file_type = values.get("type")
        if self.file_type != "activity":
            # Said only once the file's CRC checked out (`_finish`): a damaged type byte must
            # reject the file, not skip it as some other kind of FIT file.
            self.not_activity = (
                f"FIT file type is {self.file_type!r}, not 'activity' "
                "(settings, monitoring, course and other FIT files are not loaded)"
            )
            return
        product = values.get("product_name") or values.get("garmin_product")
        product = product if product is not None else values.get("product")
        serial = values.get("serial_number")
        manufacturer = values.get("manufacturer")
        self.activity.device = Device(
            serial=int(serial) if isinstance(serial, int) else None,
            manufacturer=None if manufacturer is None else str(manufacturer),
            product=None if product is None else str(product),
        )

    def _record(self, values: dict[str, Any]) -> None:
        at = fit_time(values.get("timestamp"))
        if at is None:
            self.untimed += 1
            return
        samples = self.activity.samples
        columns = samples.columns
        samples.times.append(at)
        speed = values.get("enhanced_speed")
        altitude = values.get("enhanced_altitude")
        lat, lon = values.get("position_lat"), values.get("position_long")
        columns["distance_m"].append(values.get("distance"))
        columns["heart_rate"].append(values.get("heart_rate"))
        columns["speed_mps"].append(values.get("speed") if speed is None else speed)
        columns["cadence"].append(values.get("cadence"))
        columns["power_w"].append(values.get("power"))
        columns["altitude_m"].append(values.get("altitude") if altitude is None else altitude)
        columns["lat"].append(None if lat is None else lat * SEMICIRCLES_TO_DEGREES)
        columns["lon"].append(None if lon is None else lon * SEMICIRCLES_TO_DEGREES)
        columns["temperature_c"].append(values.get("temperature"))

    def _event(self, values: dict[str, Any]) -> None:
        at = fit_time(values.get("timestamp"))
        if values.get("event") == "timer" and at is not None:
            self.timer_events.append((at, str(values.get("event_type"))))

    def _lap(self, values: dict[str, Any]) -> None:
        summary = _summary(values)
        started = fit_time(values.get("start_time"))
        if started is None:
            end = fit_time(values.get("timestamp"))
            if end is None:
                return  # a lap that cannot be placed in time
            started = end - (summary.elapsed_time_s or 0.0)
        trigger = values.get("lap_trigger")
        self.activity.laps.append(
            Lap(
                started_at=started,
                summary=summary,
                lap_trigger=None if trigger is None else str(trigger),
            )
        )

    def _finish(self) -> DecodedActivity:
        if self.file_type is None:
            raise FitFileError("FIT file has no file_id message: not a FIT activity file")
        if self.not_activity:
            raise NotAnActivity(self.not_activity)
        activity = self.activity
        if self.untimed:
            log.warning("%d FIT records without an absolute timestamp skipped", self.untimed)
        first = self.sessions[0] if self.sessions else self.sport_mesg or {}
        activity.sport, activity.sub_sport = normalise_sport(
            first.get("sport"), first.get("sub_sport")
        )
        if len(self.sessions) > 1:
            log.info("multisport FIT file: %d sessions read as one activity", len(self.sessions))
        activity.summary = _sessions_summary(self.sessions)
        activity.started_at = self._started_at()
        activity.running = _running_spans(self.timer_events)
        activity.utc_offset_s = _utc_offset(self.activity_mesg)
        return activity

    def _started_at(self) -> float | None:
        for session in self.sessions:
            if (started := fit_time(session.get("start_time"))) is not None:
                return started
        if self.activity.laps:
            return self.activity.laps[0].started_at
        if self.activity.samples.times:
            return min(self.activity.samples.times)
        if self.activity_mesg:
            end = fit_time(self.activity_mesg.get("timestamp"))
            timer = self.activity_mesg.get("total_timer_time")
            if end is not None:
                return end - (timer or 0.0)
        return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _summary(values: dict[str, Any]) -> Summary:
    """A session's or lap's totals (enhanced speed preferred)."""
    speed = values.get("enhanced_avg_speed")
    return Summary(
        distance_m=_number(values.get("total_distance")),
        moving_time_s=_number(values.get("total_timer_time")),
        elapsed_time_s=_number(values.get("total_elapsed_time")),
        avg_heart_rate=_number(values.get("avg_heart_rate")),
        max_heart_rate=_number(values.get("max_heart_rate")),
        avg_speed_mps=_number(values.get("avg_speed") if speed is None else speed),
        elevation_gain_m=_number(values.get("total_ascent")),
        avg_power_w=_number(values.get("avg_power")),
        calories=_number(values.get("total_calories")),
    )


def _sessions_summary(sessions: list[dict[str, Any]]) -> Summary:
    """One session's summary, or the totals of several (averages weighted by timer time)."""
    parts = [_summary(session) for session in sessions]
    if len(parts) <= 1:
        return parts[0] if parts else Summary()

    def total(name: str) -> float | None:
        values = [getattr(p, name) for p in parts if getattr(p, name) is not None]
        return sum(values) if values else None

    def weighted(name: str) -> float | None:
        pairs = [(getattr(p, name), p.moving_time_s or 0.0) for p in parts]
        pairs = [(value, weight) for value, weight in pairs if value is not None and weight > 0]
        weight = sum(w for _, w in pairs)
        return sum(v * w for v, w in pairs) / weight if weight else None

    maxima = [p.max_heart_rate for p in parts if p.max_heart_rate is not None]
    distance, moving = total("distance_m"), total("moving_time_s")
    return Summary(
        distance_m=distance,
        moving_time_s=moving,
        elapsed_time_s=_sessions_span(sessions) or total("elapsed_time_s"),
        avg_heart_rate=weighted("avg_heart_rate"),
        max_heart_rate=max(maxima) if maxima else None,
        avg_speed_mps=distance / moving if distance is not None and moving else None,
        elevation_gain_m=total("elevation_gain_m"),
        avg_power_w=weighted("avg_power_w"),
        calories=total("calories"),
    )


def _sessions_span(sessions: list[dict[str, Any]]) -> float | None:
    starts = [fit_time(s.get("start_time")) for s in sessions]
    ends = [
        start + elapsed
        for start, s in zip(starts, sessions, strict=True)
        if start is not None and (elapsed := _number(s.get("total_elapsed_time"))) is not None
    ]
    known = [start for start in starts if start is not None]
    return max(ends) - min(known) if ends and known else None


def _running_spans(events: list[tuple[float, str]]) -> list[tuple[float, float]] | None:
    """The spans in which the timer ran, from timer start/stop events; None without any."""
    if not events:
        return None
    spans: list[tuple[float, float]] = []
    running_since: float | None = None
    for at, kind in sorted(events, key=lambda event: event[0]):
        if kind == "start":
            if running_since is None:
                running_since = at
        elif kind in TIMER_STOPS:
            if running_since is not None:
                spans.append((running_since, at))
            elif not spans:  # stopped before any start: it ran from the beginning
                spans.append((float("-inf"), at))
            running_since = None
    if running_since is not None:
        spans.append((running_since, float("inf")))
    return spans


def _utc_offset(activity: dict[str, Any] | None) -> int | None:
    """activity.local_timestamp − activity.timestamp in seconds, when both are there."""
    if not activity:
        return None
    local, utc = activity.get("local_timestamp"), activity.get("timestamp")
    if not isinstance(local, int) or not isinstance(utc, int):
        return None
    offset = local - utc
    return offset if abs(offset) <= UTC_OFFSET_LIMIT_S else None
