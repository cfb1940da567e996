"""Everything the live streams add to the code location (taken by `definitions.py`)."""

from __future__ import annotations

from typing import Any

from orchestration.assets.bike_alerts import bikes_hr_alerts
from orchestration.assets.bike_daily_report import bikes_daily_report
from orchestration.assets.bikes import bikes_assets
from orchestration.assets.foot_sensors import foot_sensor_assets
from orchestration.jobs.live_streams import LIVE_JOBS, LIVE_SCHEDULES
from orchestration.resources.live_streams import (
    BikeLogApiResource,
    FootSensorApiResource,
    MailResource,
)
from orchestration.sensors.live_streams import LIVE_SENSORS

LIVE_ASSETS = [foot_sensor_assets, bikes_assets, bikes_hr_alerts, bikes_daily_report]

__all__ = ["LIVE_ASSETS", "LIVE_JOBS", "LIVE_SCHEDULES", "LIVE_SENSORS", "live_resources"]


def live_resources() -> dict[str, Any]:
    """The live streams' resources; URLs and SMTP settings are read from the environment."""
    return {
        "foot_sensor_api": FootSensorApiResource(),
        "bike_api": BikeLogApiResource(),
        "mail": MailResource(),
    }
