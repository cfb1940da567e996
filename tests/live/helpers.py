"""Helpers of the live-stream tests: resources pointing at local servers, log lines, riders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dlt_sources.simulators.bikes import system_line
from orchestration.resources.live_streams import (
    BikeLogApiResource,
    FootSensorApiResource,
    MailResource,
)

LIVE_VARS = ("FITELT_SENSORS_API", "FITELT_BIKES_API", "FITELT_ALERT_TO", "FITELT_REPORT_TO")


def live_resources(
    *, sensors_url: str | None = None, bikes_url: str | None = None, **cadence: float
) -> dict[str, Any]:
    return {
        "foot_sensor_api": FootSensorApiResource(base_url=sensors_url, **cadence),
        # idle_s=0: one read, then stop as soon as nothing is new (no reading window).
        "bike_api": BikeLogApiResource(base_url=bikes_url, idle_s=0),
        "mail": MailResource(),
    }


def rider(user_id: int, born: str, name: str = "Test Rider", gender: str = "female") -> dict:
    return {
        "user_id": user_id,
        "name": name,
        "gender": gender,
        "date_of_birth": born,
        "email": f"rider{user_id}@example.com",
        "height_cm": 170,
        "weight_kg": 65,
    }


def years_ago(years: int, days: int = 30) -> str:
    """A birth date making the rider `years` old today (their birthday `days` ago)."""
    today = datetime.now(UTC).date() - timedelta(days=days)
    return today.replace(year=today.year - years).isoformat()


def ride_lines(
    bike: str, start: float, person: dict | None, seconds: list[tuple[int, int, int, float]]
) -> list[str]:
    """A ride's lines: [SYSTEM] (unless person is None), then per (hrt, rpm, resistance, power)
    a Ride line at start + n and a Telemetry line half a second later."""
    from dlt_sources.simulators.bikes import ride_line, telemetry_line

    lines = [system_line(start, bike, person)] if person is not None else []
    for n, (hrt, rpm, resistance, power) in enumerate(seconds, start=1):
        lines.append(ride_line(start + n, bike, float(n), resistance))
        lines.append(telemetry_line(start + n + 0.5, bike, hrt, rpm, power))
    return lines
