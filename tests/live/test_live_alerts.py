"""Heart-rate alerts: one email per ride above 220 − age, exactly once across re-runs."""

from __future__ import annotations

import email
import email.policy
import os
import time
from pathlib import Path

import dagster as dg

from dlt_sources.simulators.bikes import BikeSimulator
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import query
from tests.live.helpers import live_resources, ride_lines, rider, years_ago

LOAD = "group:bikes"  # the load and the alert asset after it, like the bikes_refresh job


def test_an_alert_is_sent_exactly_once_per_ride_and_not_under_the_limit(
    live_env, smtp_sink
) -> None:
    start = time.time() - 60
    older = rider(601, years_ago(50), "Grace Okafor")  # limit 170
    younger = rider(602, years_ago(30), "Hugo Rossi")  # limit 190: 185 stays under it
    sim = BikeSimulator(bikes=0)
    instance = dg.DagsterInstance.ephemeral()
    with sim.serve() as server:
        resources = live_resources(bikes_url=server.url)
        over = ride_lines("bike-01", start, older, [(165, 80, 60, 150), (172, 82, 60, 160)])
        under = ride_lines("bike-02", start, younger, [(180, 85, 70, 200), (185, 85, 70, 210)])
        sim.append(over + under)
        # The load's own attempt is refused: its claim must be released, so that the alert
        # asset at the end of the same run sends it (a claim kept would block it for good).
        smtp_sink.fail_next()
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))
        assert len(smtp_sink.messages) == 1

        assert succeeded(materialize(LOAD, instance=instance, resources=resources))
        # The ride goes on above its limit; re-runs must not alert again.
        more = ride_lines("bike-01", start, older, [(165, 80, 60, 150)] * 2 + [(178, 1, 1, 1)])
        sim.append(more[5:])
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))

    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "rider601@example.com"  # no FITELT_ALERT_TO: the rider's address
    assert "Grace Okafor" in message["Subject"] and "172 bpm" in message["Subject"]
    assert "170 bpm" in message.get_content()
    alerts = query(
        live_env,
        "select user_id, hr_limit, max_heart_rate, delivery, sent_at is not null "
        "from raw.bikes_hr_alerts",
    )
    assert alerts == [(601, 170, 172.0, "smtp", True)]


def test_without_smtp_the_alert_is_written_to_the_outbox(live_env, monkeypatch) -> None:
    monkeypatch.setenv("FITELT_ALERT_TO", "coach@example.com")
    start = time.time() - 30
    sim = BikeSimulator(bikes=0)
    with sim.serve() as server:
        sim.append(ride_lines("bike-03", start, rider(603, years_ago(60)), [(200, 60, 50, 90)]))
        resources = live_resources(bikes_url=server.url)
        result = materialize(LOAD, instance=dg.DagsterInstance.ephemeral(), resources=resources)
        assert succeeded(result)
    outbox = Path(os.environ["FITELT_DATA_DIR"]) / "outbox"
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "coach@example.com"
    assert "200 bpm" in message["Subject"]
    assert query(live_env, "select delivery from raw.bikes_hr_alerts") == [("outbox",)]
