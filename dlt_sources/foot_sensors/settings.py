"""Foot-pressure sensor constants: people polled, value range, timings, table names."""

from __future__ import annotations

SOURCE = "foot_sensor"  # tables raw.foot_sensor_*; asset keys foot_sensor/<table>
PERSON_IDS = tuple(range(1, 7))
SENSOR_COUNT = 6
MIN_VALUE, MAX_VALUE = 0, 1023

DEFAULT_DELAY_S = 0.3  # between two requests for the same person
DEFAULT_WINDOW_S = 60.0  # one polling run; the Dagster sensor chains runs back to back
DEFAULT_BATCH_S = 1.0  # micro-batch: readings reach PostgreSQL within about this long
DEFAULT_RETENTION_HOURS = 24.0  # raw readings older than this are pruned (never anomalies)

HTTP_TIMEOUT_S = (2.0, 5.0)
PROBE_TIMEOUT_S = 1.0

READINGS_TABLE = "foot_sensor_readings"
ANOMALIES_TABLE = "foot_sensor_anomalies"
PERSONS_TABLE = "foot_sensor_persons"
QUARANTINE_TABLE = "foot_sensor_quarantine"
