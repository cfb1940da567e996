"""Foot-pressure sensors: the simulator polled concurrently into PostgreSQL, retention, marts."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from dlt_sources.foot_sensors import FootSensorStore, WindowPoller, parse_poll
from dlt_sources.simulators.foot_sensors import FootSensorSimulator
from fitelt.live.settings import WINDOW_END_TAG
from orchestration.jobs.live_streams import foot_sensor_retention
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.live_streams import FootSensorApiResource
from orchestration.resources.warehouse import WarehouseResource
from orchestration.sensors.live_streams import foot_sensor_stream
from tests.conftest import query
from tests.live.helpers import live_resources

CADENCE = {"window_s": 2.0, "delay_s": 0.1, "batch_s": 0.5}
FOOT_MODELS = "group:foot_sensor+ and not key:report_site"
RUNNING = dg.DagsterRunStatus.STARTED


def test_polling_loads_readings_anomalies_persons_and_marts(live_env) -> None:
    instance = dg.DagsterInstance.ephemeral()
    with FootSensorSimulator(anomaly_rate=0.3, seed=3).serve() as server:
        resources = live_resources(sensors_url=server.url, **CADENCE)
        assert succeeded(materialize(FOOT_MODELS, instance=instance, resources=resources))
        assert succeeded(materialize("group:foot_sensor", instance=instance, resources=resources))

    readings = query(live_env, "select count(*) from raw.foot_sensor_readings")[0][0]
    # 6 persons x 6 sensors, ~every 0.1 s for 2 windows of 2 s: well over a thousand readings.
    assert readings >= 6 * 6 * 20
    flagged = query(
        live_env,
        "select person_id, sensor_id, polled_at, value from raw.foot_sensor_readings "
        "where anomaly order by 1, 2, 3",
    )
    anomalies = query(
        live_env,
        "select person_id, sensor_id, polled_at, value from raw.foot_sensor_anomalies "
        "order by 1, 2, 3",
    )
    assert flagged and anomalies == flagged
    persons = query(live_env, "select person_id, firstname from raw.foot_sensor_persons")
    assert sorted(p[0] for p in persons) == [1, 2, 3, 4, 5, 6]  # merged, not duplicated
    # Every poll stored all six sensors (no half-written batch).
    incomplete = query(
        live_env,
        "select count(*) from (select person_id, polled_at from raw.foot_sensor_readings "
        "group by 1, 2 having count(*) <> 6) as t",
    )
    assert incomplete[0][0] == 0

    # Marts from the first window: one row per person, minutes adding up to the readings.
    latest = query(live_env, "select count(*), min(total_pressure) from marts.foot_sensor_latest")
    assert latest[0][0] == 6 and latest[0][1] is not None
    minutely = query(
        live_env, "select sum(readings), sum(anomalies) from marts.foot_sensor_minutely"
    )
    first_window = query(
        live_env,
        "select count(*), count(*) filter (where anomaly) from raw.foot_sensor_readings "
        "where polled_at <= (select max(polled_at) from marts.foot_sensor_latest)",
    )
    assert minutely[0] == first_window[0]


def test_a_reading_reaches_postgres_within_the_batch_interval(live_env) -> None:
    batch_s = 0.5
    with FootSensorSimulator(seed=1).serve() as server:
        poller = WindowPoller(server.url, [1], delay_s=0.05, window_s=3.0, batch_s=batch_s)
        with FootSensorStore(live_env.dsn()) as store:
            thread = threading.Thread(target=poller.run, args=(store,))
            started = time.monotonic()
            thread.start()
            seen_after = None
            while time.monotonic() - started < 3.0:
                if query(live_env, "select count(*) from raw.foot_sensor_readings")[0][0]:
                    seen_after = time.monotonic() - started
                    break
                time.sleep(0.02)
            thread.join()
    assert seen_after is not None, "no reading reached PostgreSQL during the window"
    assert seen_after <= batch_s + 0.4, f"first reading visible after {seen_after:.2f} s"


def test_retention_prunes_old_readings_but_never_anomalies(live_env, monkeypatch) -> None:
    monkeypatch.setenv("FITELT_SENSOR_RETENTION_HOURS", "24")
    sim = FootSensorSimulator(anomaly_rate=1.0, seed=2)
    now = datetime.now(UTC)
    polls = [parse_poll(1, sim.reading(1), now - timedelta(hours=h)) for h in (30, 25, 2)]
    with FootSensorStore(live_env.dsn()) as store:
        counts = store.write(polls)
    assert (counts.readings, counts.anomalies) == (18, 3)

    result = foot_sensor_retention.execute_in_process(resources={"warehouse": WarehouseResource()})
    assert result.success
    kept = query(live_env, "select distinct polled_at from raw.foot_sensor_readings")
    assert [row[0] for row in kept] == [polls[2].readings[0][5]]
    assert query(live_env, "select count(*) from raw.foot_sensor_anomalies")[0][0] == 3


def test_malformed_answers_are_quarantined_with_the_reason() -> None:
    from dlt_sources.common.quarantine import RowError

    good = FootSensorSimulator(seed=1).reading(2)
    now = datetime.now(UTC)
    cases = {
        "expected 6 sensors": {**good, "trace": {**good["trace"], "sensors": []}},
        "outside [0, 1023]": {
            **good,
            "trace": {
                **good["trace"],
                "sensors": [{**s, "value": 5000} for s in good["trace"]["sensors"]],
            },
        },
        "asked for person 2": {**good, "id": 3},
        "not a JSON object": ["nope"],
    }
    for reason, payload in cases.items():
        with pytest.raises(RowError, match=re.escape(reason)):
            parse_poll(2, payload, now)


def test_sensor_skips_quietly_without_api_and_chains_windows_back_to_back(live_env) -> None:
    instance = dg.DagsterInstance.ephemeral()

    def tick(url: str | None) -> dg.RunRequest | dg.SkipReason:
        resources = {"foot_sensor_api": FootSensorApiResource(base_url=url)}
        return foot_sensor_stream(dg.build_sensor_context(instance=instance, resources=resources))

    assert isinstance(tick(None), dg.SkipReason)
    skipped = tick("http://127.0.0.1:9")
    assert isinstance(skipped, dg.SkipReason) and "unreachable" in skipped.skip_message
    with FootSensorSimulator().serve() as server:
        first = tick(server.url)
        assert isinstance(first, dg.RunRequest)
        assert first.run_config["ops"]["foot_sensor"]["config"] == {}

        def polling(window_end: float) -> None:
            tags = {WINDOW_END_TAG: f"{window_end:.3f}"}
            run = dg.DagsterRun(job_name="foot_sensor_poll", status=RUNNING, tags=tags)
            instance.add_run(run)

        polling(time.time() + 100)  # a window that has long to go: nothing yet
        assert "ends in" in tick(server.url).skip_message
        for run in instance.get_runs():
            instance.delete_run(run.run_id)
        end = time.time() + 3  # ending soon: launch the next now, polling from `end`
        polling(end)
        early = tick(server.url)
        assert isinstance(early, dg.RunRequest)
        config = early.run_config["ops"]["foot_sensor"]["config"]
        assert config["not_before"] == pytest.approx(end, abs=0.01)
        polling(end + 60)  # …and once that one is waiting, no third
        assert "already waiting" in tick(server.url).skip_message


def test_an_interrupted_window_stops_its_polling_threads_at_once(live_env) -> None:
    """Ctrl-C (Dagster's interruption) mid-window: the poller writes what it fetched and ends,
    instead of waiting for its threads until the window is over (fitelt serve's stop bound)."""
    import os
    import signal
    import subprocess
    import sys

    from dlt_sources.foot_sensors import ensure_tables

    ensure_tables(live_env.dsn())
    code = (
        "import sys\n"
        "from dlt_sources.foot_sensors import FootSensorStore, WindowPoller\n"
        "from dlt_sources.simulators.foot_sensors import FootSensorSimulator\n"
        "with FootSensorSimulator(seed=5).serve() as server:\n"
        "    poller = WindowPoller(server.url, [1, 2, 3], delay_s=0.2, window_s=120, batch_s=0.5)\n"
        "    print('polling', flush=True)\n"
        "    try:\n"
        f"        with FootSensorStore({live_env.dsn()!r}) as store:\n"
        "            poller.run(store)\n"
        "    except KeyboardInterrupt:\n"
        "        sys.exit(7)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "polling"
        time.sleep(2.0)
        child.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert child.wait(timeout=30) == 7
        assert time.monotonic() - started < 10, "the threads waited for the 120 s window"
    finally:
        child.kill()
        child.wait()
    assert query(live_env, "select count(*) from raw.foot_sensor_readings")[0][0] > 0
