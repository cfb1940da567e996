"""Live-stream data for the sample site, loaded through the streams' own load paths.

Foot-pressure polls from the bundled simulator (fixed seed and clock) go through
``FootSensorStore``; bike rides are log lines served by the bundled bike simulator and loaded
by the real ``bikes/*`` assets (heart-rate alerts included). Times are relative to now, so the
same rows are "live" for the read API when written just before a test looks.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import dagster as dg

from dlt_sources.foot_sensors import FootSensorStore, parse_poll
from dlt_sources.simulators.bikes import BikeSimulator
from dlt_sources.simulators.foot_sensors import FootSensorSimulator
from fitelt.warehouse import ConnInfo
from orchestration.lib.materialize import materialize, succeeded
from tests.live.helpers import live_resources, ride_lines, rider, years_ago

PERSONS = range(1, 7)
# The loads of the bike stream and the alert asset, without their marts (built with the rest).
BIKE_LOAD = "group:bikes and not kind:dbt"
RIDERS = {
    "ada": rider(801, years_ago(17), "Ada Shaw", "female"),
    "ben": rider(802, years_ago(40), "Ben Lawson", "male"),
    "chloe": rider(803, years_ago(61), "Chloe Wong", "female"),
    "dev": rider(804, years_ago(22), "Dev Patel", "male"),
    "ella": rider(805, years_ago(30), "Ella Rossi", "female"),
}
DAY_S = 86_400.0


def write_foot_polls(db: ConnInfo, end: float, polls_per_person: int = 40) -> int:
    """Polls every 0.5 s up to `end` (epoch s) for persons 1-6; returns the anomalies among them."""
    clock = [end]
    sim = FootSensorSimulator(anomaly_rate=0.05, seed=11, clock=lambda: clock[0])
    polls = []
    for step in range(polls_per_person):
        clock[0] = end - (polls_per_person - 1 - step) * 0.5
        at = datetime.fromtimestamp(clock[0], UTC)
        polls.extend(parse_poll(person, sim.reading(person), at) for person in PERSONS)
    with FootSensorStore(db.dsn()) as store:
        counts = store.write(polls)
    return counts.anomalies


def _seconds(base_hr: int, base_power: float, n: int) -> list[tuple[int, int, int, float]]:
    return [(base_hr + i % 7, 70 + i % 5, 40, base_power + (i % 4) * 5.0) for i in range(n)]


def past_ride_lines(now: float) -> list[str]:
    """Eight finished rides over the last three days; Ada's (17, limit 203) goes over."""
    r = RIDERS
    return [
        *ride_lines("bike-01", now - 3 * DAY_S, r["ada"], _seconds(150, 110.0, 12)),
        *ride_lines("bike-02", now - 3 * DAY_S, r["ben"], _seconds(135, 190.0, 15)),
        *ride_lines("bike-01", now - 2 * DAY_S, r["ada"], _seconds(200, 140.0, 10)),
        *ride_lines("bike-03", now - 2 * DAY_S, r["chloe"], _seconds(120, 80.0, 8)),
        *ride_lines("bike-02", now - 2 * DAY_S + 600, r["dev"], _seconds(160, 230.0, 20)),
        *ride_lines("bike-01", now - DAY_S, r["ben"], _seconds(140, 200.0, 14)),
        *ride_lines("bike-03", now - DAY_S, r["dev"], _seconds(165, 240.0, 18)),
        *ride_lines("bike-02", now - DAY_S + 900, r["ella"], _seconds(145, 150.0, 9)),
    ]


def load_bike_lines(lines: list[str], instance: dg.DagsterInstance | None = None) -> None:
    """Serve `lines` from the bike simulator and run the bike loads once (current env)."""
    sim = BikeSimulator(bikes=0)
    sim.append(lines)
    with sim.serve() as server:
        result = materialize(
            BIKE_LOAD,
            instance=instance or dg.DagsterInstance.ephemeral(),
            resources=live_resources(bikes_url=server.url),
        )
    assert succeeded(result), "loading the sample bike rides failed (see the log above)"


def load_live_sample(db: ConnInfo) -> None:
    """Foot-sensor polls of the last 20 s and eight past rides (run inside installation_env)."""
    now = time.time()
    write_foot_polls(db, now)
    load_bike_lines(past_ride_lines(now))
