"""Everything the live streams add to the code location (taken by `definitions.py`)."""

from __future__ import annotations

from typing import Any

from ..assets.bike_alerts import bikes_hr_alerts
from ..assets.bike_daily_report import bikes_daily_report
from ..assets.bikes import bikes_assets
from ..assets.foot_sensors import foot_sensor_assets
from .jobs import LIVE_JOBS, LIVE_SCHEDULES
from .resources import BikeLogApiResource, FootSensorApiResource, MailResource
from .sensors import LIVE_SENSORS

LIVE_ASSETS = [foot_sensor_assets, bikes_assets, bikes_hr_alerts, bikes_daily_report]

__all__ = ["LIVE_ASSETS", "LIVE_JOBS", "LIVE_SCHEDULES", "LIVE_SENSORS", "live_resources"]


def live_resources() -> dict[str, Any]:
    """The live streams' resources; URLs and SMTP settings are read from the environment."""
    return {
        "foot_sensor_api": FootSensorApiResource(),
        "bike_api": BikeLogApiResource(),
        "mail": MailResource(),
    }
