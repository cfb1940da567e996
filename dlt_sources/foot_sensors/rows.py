"""One sensors API answer → a person row and its readings (a bad payload raises RowError)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..common.quarantine import RowError
from ..common.textfile import check_text
from .settings import MAX_VALUE, MIN_VALUE, SENSOR_COUNT


@dataclass(frozen=True)
class Poll:
    """One answer of the API: the person, the time we asked, and its sensor readings."""

    person: dict[str, Any]
    readings: list[tuple[int, int | None, int, int, bool, datetime]]
    # (person_id, trace_id, sensor_id, value, anomaly, polled_at)


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(f"{what}: expected an integer, got {value!r:.40}")
    return value


def parse_poll(person_id: int, payload: Any, polled_at: datetime) -> Poll:
    """Validate one API answer; RowError names the first problem."""
    if not isinstance(payload, dict):
        raise RowError(f"payload is not a JSON object: {type(payload).__name__}")
    if _int(payload.get("id"), "id") != person_id:
        raise RowError(f"id: asked for person {person_id}, got {payload.get('id')!r}")
    trace = payload.get("trace")
    if not isinstance(trace, dict) or not isinstance(trace.get("sensors"), list):
        raise RowError("trace.sensors: missing or not a list")
    trace_id = trace.get("id")
    trace_id = None if trace_id is None else _int(trace_id, "trace.id")
    if trace_id is not None and not -(2**63) <= trace_id < 2**63:  # a bigint column
        raise RowError("trace.id: outside the 64-bit integer range")
    trace_name = trace.get("name")
    if trace_name is not None and not isinstance(trace_name, str):
        raise RowError(f"trace.name: expected text, got {type(trace_name).__name__}")
    sensors = trace["sensors"]
    if len(sensors) != SENSOR_COUNT:
        raise RowError(f"trace.sensors: expected {SENSOR_COUNT} sensors, got {len(sensors)}")
    readings = []
    seen = set()
    for sensor in sensors:
        if not isinstance(sensor, dict):
            raise RowError("trace.sensors: an entry is not an object")
        sensor_id = _int(sensor.get("id"), "sensor id")
        value = _int(sensor.get("value"), f"sensor {sensor_id} value")
        if not 0 <= sensor_id < SENSOR_COUNT or sensor_id in seen:
            raise RowError(f"sensor id {sensor_id}: outside 0-{SENSOR_COUNT - 1} or repeated")
        if not MIN_VALUE <= value <= MAX_VALUE:
            raise RowError(f"sensor {sensor_id} value {value} outside [{MIN_VALUE}, {MAX_VALUE}]")
        anomaly = sensor.get("anomaly", False)
        if not isinstance(anomaly, bool):
            raise RowError(f"sensor {sensor_id} anomaly: expected true/false, got {anomaly!r:.20}")
        seen.add(sensor_id)
        readings.append((person_id, trace_id, sensor_id, value, anomaly, polled_at))
    birth = str(payload.get("birthdate") or "").strip()
    person = {
        "person_id": person_id,
        "firstname": str(payload.get("firstname") or ""),
        "lastname": str(payload.get("lastname") or ""),
        "birth_year": _year(birth[:4]),
        "disabled": bool(payload.get("disabled", False)),
        "trace_id": trace_id,
        "trace_name": trace_name,
        "seen_at": polled_at,
    }
    texts = ("firstname", "lastname", "trace_name")
    check_text([person[name] for name in texts], lambda index: texts[index])
    return Poll(person=person, readings=readings)


def _year(text: str) -> int | None:
    if not text.isdigit():
        return None
    try:
        return int(text)
    except ValueError:  # "²²²²" is digits to isdigit(), not to int()
        return None
