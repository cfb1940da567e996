"""GPX tracks, read with gpxpy (which builds the whole document: see MAX_GPX_BYTES).

Heart rate, cadence and temperature come from Garmin's TrackPointExtension (`gpxtpx:hr`,
`gpxtpx:cad`, `gpxtpx:atemp`), power from a `<power>` extension (Strava's), matched by local
name so any namespace prefix works. A GPX has no distance, so distances are haversine sums
between points; the time between two track segments (`<trkseg>`) is a pause. A GPX whose
points carry no time cannot be placed in time and is rejected; one without any track point
(a route or waypoints: a course, not an activity) is skipped.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import IO, Any

import gpxpy
import gpxpy.gpx

from .detect import decode_xml_text
from .model import DecodedActivity, NotAnActivity, SampleBuffer
from .settings import MAX_GPX_BYTES
from .sports import normalise_sport

log = logging.getLogger(__name__)

_EXTENSION_FIELDS = {
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
    "atemp": "temperature_c",
    "power": "power_w",
    "speed": "speed_mps",
}


class GpxFileError(ValueError):
    """The file is not readable as GPX, or cannot be placed in time."""


def decode_gpx(stream: IO[bytes]) -> DecodedActivity:
    data = stream.read(MAX_GPX_BYTES + 1)
    if len(data) > MAX_GPX_BYTES:
        raise GpxFileError(f"GPX file larger than {MAX_GPX_BYTES >> 20} MiB: not read")
    try:
        document = gpxpy.parse(decode_xml_text(data))
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        message = " ".join(str(exc).split())[:300]
        raise GpxFileError(f"GPX file is not readable: {message}") from exc
    return _activity(document)


def _activity(document: gpxpy.gpx.GPX) -> DecodedActivity:
    points = [
        ((track_no, segment_no), point)
        for track_no, track in enumerate(document.tracks)
        for segment_no, segment in enumerate(track.segments)
        for point in segment.points
    ]
    if not points:
        raise NotAnActivity("GPX file has no track points (a route or waypoints, no activity)")
    timed = [(segment, point) for segment, point in points if point.time is not None]
    if not timed:
        raise GpxFileError("GPX track has no timestamps: cannot place it in time")
    if len(timed) < len(points):
        log.warning("%d GPX points without a time skipped", len(points) - len(timed))
    kind = next((track.type for track in document.tracks if track.type), None)
    sport, sub_sport = normalise_sport(kind)
    activity = DecodedActivity(source_format="gpx", sport=sport, sub_sport=sub_sport)
    samples = activity.samples
    segments: dict[tuple[int, int], list[float]] = {}
    for segment, point in timed:
        at = _epoch(point.time)
        _add_point(samples, at, point)
        span = segments.setdefault(segment, [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)
    if len(segments) > 1:
        activity.running = sorted((start, end) for start, end in segments.values())
    activity.started_at = min(samples.times)
    return activity


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:  # GPX times are UTC; a bare time is read as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _add_point(samples: SampleBuffer, at: float, point: gpxpy.gpx.GPXTrackPoint) -> None:
    values: dict[str, float | None] = {
        "lat": point.latitude,
        "lon": point.longitude,
        "altitude_m": point.elevation,
        "speed_mps": point.speed,
    }
    for extension in point.extensions or ():
        for element in extension.iter():
            name = _local_name(element.tag)
            column = _EXTENSION_FIELDS.get(name)
            if column is None or element.text is None:
                continue
            try:
                values[column] = float(element.text.strip())
            except ValueError:
                continue
    samples.add(at, **values)


def _local_name(tag: Any) -> str:
    if not isinstance(tag, str):  # a comment or processing instruction
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
