"""Foot-pressure sensors (`GET {base}/{person_id}`): polled concurrently, written with COPY.

Not a dlt pipeline: a reading must reach PostgreSQL within about a second, so micro-batches go
straight to `raw.foot_sensor_*` with COPY (see `store`), while the tables keep the naming of
the dlt sources (`<source>_<table>`, `<source>_quarantine`) so dbt and Dagster treat them alike.
"""

from .helpers import FootSensorClient
from .poller import PollStats, WindowPoller
from .rows import Poll, parse_poll
from .store import FootSensorStore, ensure_tables, prune_readings

__all__ = [
    "FootSensorClient",
    "FootSensorStore",
    "Poll",
    "PollStats",
    "WindowPoller",
    "ensure_tables",
    "parse_poll",
    "prune_readings",
]
