"""One log line → a typed event; anything else raises RowError with the reason.

    2025-03-01 16:18:13.213 bike-01: [SYSTEM] data = {"user_id": 7, "name": …}
    2025-03-01 16:18:14.213 bike-01: [INFO]: Ride - duration = 1.0; resistance = 40
    2025-03-01 16:18:14.713 bike-01: [INFO]: Telemetry - hrt = 121; rpm = 72; power = 88.3

Timestamps without an offset are UTC. A bike name is everything between the timestamp and
the colon before the level (the original system's "mendoza v9" works as well as "bike-01").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ..common.quarantine import RowError, parse_number
from ..common.textfile import check_text
from .settings import BOUNDS

MAX_BIGINT = 2**63 - 1  # user_id is a PostgreSQL bigint
_TEXTS = ("name", "gender", "email", "address", "bike_serial")

_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+"
    r"(?P<bike>[^:\[]+?):\s*(?P<body>\[.*)$"
)
_SYSTEM = re.compile(r"^\[SYSTEM\]\s*data\s*=\s*(?P<json>\{.*\})\s*$")
_INFO = re.compile(r"^\[INFO\]:?\s*(?P<kind>Ride|Telemetry)\s*-\s*(?P<pairs>.*)$")
_FIELDS = {"Ride": ("duration", "resistance"), "Telemetry": ("hrt", "rpm", "power")}


@dataclass(frozen=True)
class SystemEvent:
    at: datetime
    bike: str
    rider: dict[str, Any]


@dataclass(frozen=True)
class RideEvent:
    at: datetime
    bike: str
    duration: float
    resistance: float


@dataclass(frozen=True)
class TelemetryEvent:
    at: datetime
    bike: str
    hrt: float
    rpm: float
    power: float


Event = SystemEvent | RideEvent | TelemetryEvent


def parse_line(line: str) -> Event:
    check_text([line], lambda _: "line")  # NUL or lone surrogates: PostgreSQL would refuse them
    match = _LINE.match(line.strip())
    if not match:
        raise RowError("not a log line: expected '<timestamp> <bike>: [LEVEL] …'")
    try:
        at = datetime.fromisoformat(match["ts"].replace(" ", "T"))
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # Overflow: year 9999 west of UTC
        raise RowError(f"timestamp: invalid {match['ts']!r}") from exc
    bike, body = match["bike"].strip(), match["body"]
    if system := _SYSTEM.match(body):
        return SystemEvent(at, bike, _rider(system["json"]))
    info = _INFO.match(body)
    if not info:
        raise RowError(f"unknown message: {body[:60]!r}")
    values = _pairs(info["pairs"], _FIELDS[info["kind"]])
    if info["kind"] == "Ride":
        return RideEvent(at, bike, values["duration"], values["resistance"])
    return TelemetryEvent(at, bike, values["hrt"], values["rpm"], values["power"])


def _pairs(text: str, names: tuple[str, ...]) -> dict[str, float]:
    found: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep:
            raise RowError(f"expected 'name = value', got {part.strip()[:40]!r}")
        found[key.strip()] = value.strip()
    values = {}
    for name in names:
        low, high = BOUNDS[name]
        value = parse_number(found.get(name), field=name, minimum=low, maximum=high)
        if value is None:
            raise RowError(f"{name}: missing")
        values[name] = value
    return values


def _rider(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also a 5000-digit number, [[[[… nested
        why = getattr(exc, "msg", None) or type(exc).__name__
        raise RowError(f"[SYSTEM] data: not valid JSON ({why})") from exc
    if not isinstance(data, dict):
        raise RowError("[SYSTEM] data: not a JSON object")
    user_id = data.get("user_id")
    if isinstance(user_id, str) and user_id.isdigit():
        try:
            user_id = int(user_id)
        except ValueError:  # "²" is a digit to isdigit(), not to int()
            pass
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        raise RowError(f"user_id: expected a positive integer, got {user_id!r:.30}")
    if user_id > MAX_BIGINT:
        raise RowError("user_id: outside the 64-bit integer range")
    rider = {
        "user_id": user_id,
        "name": str(data.get("name") or "").strip() or None,
        "gender": _gender(data.get("gender")),
        "date_of_birth": _birth_date(data.get("date_of_birth")),
        "email": str(data.get("email") or data.get("email_address") or "").strip() or None,
        "address": str(data.get("address") or "").strip() or None,
        "bike_serial": str(data.get("bike_serial") or "").strip() or None,
    }
    check_text([rider[name] for name in _TEXTS], lambda index: _TEXTS[index])
    for name in ("height_cm", "weight_kg"):
        raw = data.get(name)
        low, high = BOUNDS[name]
        text_value = None if raw is None else str(raw)
        rider[name] = parse_number(text_value, field=name, minimum=low, maximum=high)
    return rider


def _gender(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    if text in ("", "none", "null"):
        return None
    if text in ("female", "f", "woman"):
        return "female"
    if text in ("male", "m", "man"):
        return "male"
    return "other"


def _birth_date(value: Any) -> date:
    """ISO date, or epoch milliseconds (what the original system sent)."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            born = datetime.fromtimestamp(value / 1000, UTC).date()
        else:
            born = date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise RowError(f"date_of_birth: invalid {value!r:.30}") from exc
    if not date(1900, 1, 1) <= born <= datetime.now(UTC).date():
        raise RowError(f"date_of_birth: {born} is not plausible")
    return born
