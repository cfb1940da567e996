"""Fixtures and helpers of the live-stream tests (tests/test_live_*.py use `pytest_plugins`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dlt_sources.simulators.bikes import system_line
from fitelt.warehouse import ConnInfo
from orchestration.resources.live_streams import (
    BikeLogApiResource,
    FootSensorApiResource,
    MailResource,
)
from tests.fakes.smtp import SmtpSink

LIVE_VARS = ("FITELT_SENSORS_API", "FITELT_BIKES_API", "FITELT_ALERT_TO", "FITELT_REPORT_TO")


@pytest.fixture
def live_env(fitelt_env: ConnInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnInfo]:
    """fitelt_env without any live-stream or SMTP setting from the developer's environment."""
    for name in list(os.environ):
        if name in LIVE_VARS or name.startswith(("FITELT_SMTP_", "FITELT_SENSOR_")):
            monkeypatch.delenv(name)
    yield fitelt_env


@pytest.fixture
def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A local SMTP server, configured as the installation's FITELT_SMTP_*."""
    with SmtpSink() as sink:
        monkeypatch.setenv("FITELT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FITELT_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("FITELT_SMTP_FROM", "fitelt@test.local")
        yield sink


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
