"""Dagster resources of the live streams: the two APIs and the mailer.

Unset fields are read from the environment when used (like `WarehouseResource`), so the
URLs `fitelt serve` exports for its embedded simulators reach the daemon's runs and sensors.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from dlt_sources.bikes import BikeLogClient
from dlt_sources.foot_sensors import FootSensorClient
from fitelt.live.settings import LiveSettings
from fitelt.notify.mailer import Mailer


class FootSensorApiResource(dg.ConfigurableResource):
    """The foot-pressure API (`GET {base_url}/{person_id}`) and the polling cadence."""

    base_url: str | None = None
    delay_s: float | None = None
    window_s: float | None = None
    batch_s: float | None = None

    @property
    def url(self) -> str | None:
        return self.base_url or LiveSettings.from_env().sensors_api

    def cadence(self) -> tuple[float, float, float]:
        """(delay between requests per person, window length, micro-batch interval), seconds."""
        env = LiveSettings.from_env()
        return (
            self.delay_s or env.sensor_delay_s,
            self.window_s or env.sensor_window_s,
            self.batch_s or env.sensor_batch_s,
        )

    def reachable(self) -> bool:
        if not self.url:
            return False
        client = FootSensorClient(self.url)
        try:
            return client.reachable()
        finally:
            client.close()


class BikeLogApiResource(dg.ConfigurableResource):
    """The bikes' log endpoint (`/logs?offset=N`, `/status`) and the reading cadence."""

    base_url: str | None = None
    window_s: float | None = None
    interval_s: float | None = None
    idle_s: float | None = None

    @property
    def url(self) -> str | None:
        return self.base_url or LiveSettings.from_env().bikes_api

    def cadence(self) -> tuple[float, float, float]:
        """(window length, interval between reads, idle time that ends a window), seconds.

        A window of 0 or an idle time of 0 reads once and stops as soon as nothing is new.
        """
        env = LiveSettings.from_env()
        return (
            env.bike_window_s if self.window_s is None else self.window_s,
            env.bike_interval_s if self.interval_s is None else self.interval_s,
            env.bike_idle_s if self.idle_s is None else self.idle_s,
        )

    def client(self) -> BikeLogClient | None:
        return BikeLogClient(self.url) if self.url else None


class MailResource(dg.ConfigurableResource):
    """SMTP from FITELT_SMTP_*; without a host, messages are written to `<data_dir>/outbox/`."""

    outbox_dir: str | None = None

    def mailer(self, data_dir: Path) -> Mailer:
        settings = LiveSettings.from_env()
        outbox = Path(self.outbox_dir) if self.outbox_dir else data_dir / "outbox"
        return Mailer(settings.smtp, outbox)

    @property
    def alert_to(self) -> str | None:
        return LiveSettings.from_env().alert_to

    @property
    def report_to(self) -> str | None:
        return LiveSettings.from_env().report_to
