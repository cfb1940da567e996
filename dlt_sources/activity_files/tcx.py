"""TCX (Garmin Training Center) activities, streamed with lxml's iterparse.

Each Trackpoint is read when its element ends, then cleared and dropped with its earlier
siblings, so memory holds one lap's summary and the samples' numbers, never the document.
Elements are matched by local name (any namespace prefix). Entities are not resolved and
nothing is fetched from the network. The first `<Activity>` is the file's activity (a TCX
history export holding several is read as its first, and the others are logged). The time
between two `<Track>` elements of one lap is a pause (Garmin starts a new Track when the
timer is stopped); from one lap's Track to the next lap's the timer runs on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import IO, Any

from lxml import etree

from .model import DecodedActivity, Device, Lap, NotAnActivity, Summary
from .sports import normalise_sport

log = logging.getLogger(__name__)


class TcxFileError(ValueError):
    """The file is not readable as TCX."""


def decode_tcx(stream: IO[bytes]) -> DecodedActivity:
    try:
        return _TcxReader().read(stream)
    except etree.XMLSyntaxError as exc:
        message = " ".join(str(exc).split())[:300]
        raise TcxFileError(f"TCX file is not well-formed XML: {message}") from exc


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any) -> dict[str, Any]:
    return {_local(child.tag): child for child in element}


def _number(element: Any) -> float | None:
    """The float in an element's text, or in its `<Value>` child (heart rates)."""
    if element is None:
        return None
    text = element.text
    if text is None or not text.strip():
        value = next((c for c in element if _local(c.tag) == "Value"), None)
        text = None if value is None else value.text
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _text(element: Any) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _drop(element: Any) -> None:
    """Free an element that was read, and the siblings read before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


class _TcxReader:
    def __init__(self) -> None:
        self.activity = DecodedActivity(source_format="tcx", sport="other")
        self.activities = 0  # <Activity> elements met
        self.tracks: list[list[float]] = []  # [first, last] sample time per timer span
        self.tracks_in_lap = 0
        self.activity_id: float | None = None

    @property
    def inside_first(self) -> bool:
        return self.activities == 1

    def read(self, stream: IO[bytes]) -> DecodedActivity:
        events = etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        root_seen = False
        for event, element in events:
            name = _local(element.tag)
            if not root_seen:
                root_seen = True
                if name != "TrainingCenterDatabase":
                    raise TcxFileError(f"root element is <{name}>, not <TrainingCenterDatabase>")
            if event == "start":
                self._start(name, element)
            elif self.inside_first:
                self._end(name, element)
            elif name in ("Trackpoint", "Lap", "Activity"):
                _drop(element)
        if self.activities > 1:
            log.warning("TCX file holds %d activities: only the first is read", self.activities)
        return self._finish()

    def _start(self, name: str, element: Any) -> None:
        if name == "Activity":
            self.activities += 1
            if self.inside_first:
                self.activity.sport, self.activity.sub_sport = normalise_sport(element.get("Sport"))
        elif name == "Lap" and self.inside_first:
            self.tracks_in_lap = 0
        elif name == "Track" and self.inside_first:
            # The first Track of a lap goes on from the last lap; a further one follows a pause.
            self.tracks_in_lap += 1
            if self.tracks_in_lap > 1 or not self.tracks:
                self.tracks.append([])

    def _end(self, name: str, element: Any) -> None:
        if name == "Trackpoint":
            self._trackpoint(element)
            _drop(element)
        elif name == "Lap":
            self._lap(element)
            _drop(element)
        elif name == "Id" and _local(element.getparent().tag) == "Activity":
            self.activity_id = _time(element.text)
        elif name == "Creator" and _local(element.getparent().tag) == "Activity":
            parts = _children(element)
            unit = _number(parts.get("UnitId"))
            product = _text(parts.get("Name"))
            self.activity.device = Device(
                serial=int(unit) if unit is not None and 0 < unit < 2**63 else None,
                product=product,
            )

    def _trackpoint(self, element: Any) -> None:
        parts = _children(element)
        at = _time(parts["Time"].text) if "Time" in parts else None
        if at is None:
            return
        values: dict[str, float | None] = {
            "altitude_m": _number(parts.get("AltitudeMeters")),
            "distance_m": _number(parts.get("DistanceMeters")),
            "heart_rate": _number(parts.get("HeartRateBpm")),
            "cadence": _number(parts.get("Cadence")),
        }
        if (position := parts.get("Position")) is not None:
            where = _children(position)
            values["lat"] = _number(where.get("LatitudeDegrees"))
            values["lon"] = _number(where.get("LongitudeDegrees"))
        if (extensions := parts.get("Extensions")) is not None:
            for item in extensions.iter():
                local = _local(item.tag)
                if local == "Speed":
                    values["speed_mps"] = _number(item)
                elif local == "Watts":
                    values["power_w"] = _number(item)
                elif local == "RunCadence" and values["cadence"] is None:
                    values["cadence"] = _number(item)
        self.activity.samples.add(at, **values)
        if self.tracks:
            span = self.tracks[-1]
            if span:
                span[0], span[1] = min(span[0], at), max(span[1], at)
            else:
                span.extend([at, at])

    def _lap(self, element: Any) -> None:
        started = _time(element.get("StartTime"))
        if started is None:
            return
        parts = _children(element)
        averages: dict[str, float | None] = {}
        if (extensions := parts.get("Extensions")) is not None:
            for item in extensions.iter():
                averages[_local(item.tag)] = _number(item)
        trigger = _text(parts.get("TriggerMethod"))
        self.activity.laps.append(
            Lap(
                started_at=started,
                summary=Summary(
                    distance_m=_number(parts.get("DistanceMeters")),
                    moving_time_s=_number(parts.get("TotalTimeSeconds")),
                    avg_heart_rate=_number(parts.get("AverageHeartRateBpm")),
                    max_heart_rate=_number(parts.get("MaximumHeartRateBpm")),
                    avg_speed_mps=averages.get("AvgSpeed"),
                    avg_power_w=averages.get("AvgWatts"),
                    calories=_number(parts.get("Calories")),
                ),
                lap_trigger=None if trigger is None else trigger.lower(),
            )
        )

    def _finish(self) -> DecodedActivity:
        activity = self.activity
        if self.activities == 0:
            raise NotAnActivity("TCX file holds no <Activity> (a course or workout file)")
        spans = [(span[0], span[1]) for span in self.tracks if span]
        activity.running = spans if len(spans) > 1 else None
        laps = [lap.summary for lap in activity.laps]
        activity.summary = Summary(
            distance_m=_sum(lap.distance_m for lap in laps),
            moving_time_s=_sum(lap.moving_time_s for lap in laps),
            max_heart_rate=max(
                (lap.max_heart_rate for lap in laps if lap.max_heart_rate is not None),
                default=None,
            ),
            calories=_sum(lap.calories for lap in laps),
        )
        starts = [lap.started_at for lap in activity.laps]
        if activity.samples.times:
            starts.append(min(activity.samples.times))
        activity.started_at = min(starts) if starts else self.activity_id
        return activity


def _sum(values: Any) -> float | None:
    """The sum when every lap has the value, else None (computed from the samples instead)."""
    values = list(values)
    if not values or any(v is None for v in values):
        return None
    return float(sum(values))
