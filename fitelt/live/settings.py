"""Live-stream settings from the environment (see .env.example, section "Live streams")."""

from __future__ import annotations

import os
from dataclasses import dataclass

from dlt_sources.foot_sensors.settings import (
    DEFAULT_BATCH_S,
    DEFAULT_DELAY_S,
    DEFAULT_RETENTION_HOURS,
    DEFAULT_WINDOW_S,
)

# Run tag of a live stream's window run: when its window ends (epoch seconds). The stream's
# sensor launches the next run that long before (sensors.window_handover).
WINDOW_END_TAG = "fitelt/window_end"

# A bike run reads the log every interval for a window (lines in PostgreSQL, alerts sent within
# about a second), and ends early once the log has been quiet for the idle time.
DEFAULT_BIKE_WINDOW_S = 120.0
DEFAULT_BIKE_INTERVAL_S = 1.0
DEFAULT_BIKE_IDLE_S = 30.0


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    """A float variable; unset or empty gives the default, nonsense raises a clear error."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {text!r}") from exc
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, got {value:g}")
    return value


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    tls: str  # auto | starttls | ssl | none


@dataclass(frozen=True)
class LiveSettings:
    sensors_api: str | None
    bikes_api: str | None
    sensor_delay_s: float
    sensor_window_s: float
    sensor_batch_s: float
    sensor_retention_hours: float
    bike_window_s: float
    bike_interval_s: float
    bike_idle_s: float
    smtp: SmtpSettings | None
    alert_to: str | None
    report_to: str | None
    public_url: str

    @classmethod
    def from_env(cls) -> LiveSettings:
        env = os.environ.get
        host = env("FITELT_SMTP_HOST") or None
        port = int(env_float("FITELT_SMTP_PORT", 587, 1))
        smtp = None
        if host:
            smtp = SmtpSettings(
                host=host,
                port=port,
                user=env("FITELT_SMTP_USER") or None,
                password=env("FITELT_SMTP_PASSWORD") or None,
                sender=env("FITELT_SMTP_FROM") or "fitelt@localhost",
                tls=(env("FITELT_SMTP_TLS") or "auto").lower(),
            )
        alert_to = env("FITELT_ALERT_TO") or None
        site_port = env("FITELT_SITE_PORT") or "3001"
        return cls(
            sensors_api=env("FITELT_SENSORS_API") or None,
            bikes_api=env("FITELT_BIKES_API") or None,
            sensor_delay_s=env_float("FITELT_SENSOR_DELAY_S", DEFAULT_DELAY_S, 0.01),
            sensor_window_s=env_float("FITELT_SENSOR_WINDOW_S", DEFAULT_WINDOW_S, 0.1),
            sensor_batch_s=env_float("FITELT_SENSOR_BATCH_S", DEFAULT_BATCH_S, 0.05),
            sensor_retention_hours=env_float(
                "FITELT_SENSOR_RETENTION_HOURS", DEFAULT_RETENTION_HOURS, 0.0
            ),
            bike_window_s=env_float("FITELT_BIKES_WINDOW_S", DEFAULT_BIKE_WINDOW_S, 0.0),
            bike_interval_s=env_float("FITELT_BIKES_INTERVAL_S", DEFAULT_BIKE_INTERVAL_S, 0.1),
            bike_idle_s=env_float("FITELT_BIKES_IDLE_S", DEFAULT_BIKE_IDLE_S, 0.0),
            smtp=smtp,
            alert_to=alert_to,
            report_to=env("FITELT_REPORT_TO") or alert_to,
            public_url=(env("FITELT_PUBLIC_URL") or f"http://localhost:{site_port}").rstrip("/"),
        )
