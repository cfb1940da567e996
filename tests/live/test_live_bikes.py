"""Bike telemetry: log lines by offset into riders, rides and seconds; quarantine; resumption."""

from __future__ import annotations

import threading
import time

import dagster as dg
import psycopg2
import requests

from dlt_sources.simulators.bikes import BikeSimulator
from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import make_server
from orchestration.assets.bike_alerts import bikes_hr_alerts
from orchestration.assets.bikes import BIKES_JOB, bikes_assets
from orchestration.jobs.live_streams import bikes_job
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.live_streams import BikeLogApiResource, MailResource
from orchestration.resources.warehouse import WarehouseResource
from orchestration.sensors.live_streams import bikes_stream
from tests.conftest import query
from tests.live.helpers import live_resources, ride_lines, rider, years_ago

LOAD = "group:bikes"


def test_lines_combine_per_second_across_loads_with_mid_stream_and_malformed_quarantined(
    live_env,
) -> None:
    start = time.time() - 120
    ada = rider(501, years_ago(30), "Ada Shaw")
    # bike-01: a full ride; bike-02: its rider got on before the stream was read (no SYSTEM).
    first = ride_lines("bike-01", start, ada, [(120, 70, 40, 100.0), (125, 72, 40, 110.5)])
    mid = ride_lines("bike-02", start, None, [(100, 60, 30, 80.0)])
    lines = [first[0], mid[0], first[1], mid[1], first[2], first[3]]
    # first[3] is the Ride line of second 2: its Telemetry line arrives with the next load.
    lines.append("2025-01-01 garbage without a bike")
    lines.append(first[0][:26] + " bike-01: [INFO]: Telemetry - hrt = abc; rpm = 1; power = 2")

    sim = BikeSimulator(bikes=0)
    instance = dg.DagsterInstance.ephemeral()
    with sim.serve() as server:
        resources = live_resources(bikes_url=server.url)
        sim.append(lines)
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))
        assert query(live_env, "select count(*) from raw.bikes_ride_seconds")[0][0] == 1

        sim.append([first[4]])  # the Telemetry line completing second 2
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))  # nothing new

    seconds = query(
        live_env,
        "select duration_s, resistance, heart_rate, rpm, power, bike_id, user_id "
        "from raw.bikes_ride_seconds order by duration_s",
    )
    assert seconds == [
        (1.0, 40.0, 120.0, 70.0, 100.0, "bike-01", 501),
        (2.0, 40.0, 125.0, 72.0, 110.5, "bike-01", 501),
    ]
    ride = query(
        live_env,
        "select seconds_recorded, duration_s, avg_heart_rate, max_heart_rate, avg_power, "
        "max_power, energy_kj from raw.bikes_rides",
    )
    assert ride == [(2, 2.0, 122.5, 125.0, 105.25, 110.5, 0.2105)]
    riders = query(live_env, "select user_id, name, date_of_birth::text from raw.bikes_riders")
    assert riders == [(501, "Ada Shaw", ada["date_of_birth"])]

    reasons = dict(query(live_env, "select source_line, reason from raw.bikes_quarantine"))
    assert set(reasons) == {1, 3, 6, 7}, reasons
    assert "no [SYSTEM] line seen for bike-02" in reasons[1]
    assert "no [SYSTEM] line seen for bike-02" in reasons[3]
    assert "not a log line" in reasons[6]
    assert "hrt: not a number" in reasons[7]


def test_a_generated_stream_loads_rides_that_match_their_seconds(live_env) -> None:
    sim = BikeSimulator(bikes=3, speed=40, seed=5, ride_seconds=(20, 40), pause_seconds=(1, 2))
    instance = dg.DagsterInstance.ephemeral()
    with sim.serve() as server:
        time.sleep(1.5)  # a minute of simulated riding
        resources = live_resources(bikes_url=server.url)
        assert succeeded(materialize(LOAD, instance=instance, resources=resources))
    mismatched = query(
        live_env,
        "select r.ride_id from raw.bikes_rides r left join ("
        " select ride_id, count(*) n, max(heart_rate) hr, sum(power) p"
        " from raw.bikes_ride_seconds group by ride_id) s using (ride_id)"
        " where r.seconds_recorded <> coalesce(s.n, 0) or r.max_heart_rate is distinct from s.hr"
        " or abs(r.energy_kj * 1000 - coalesce(s.p, 0)) > 0.01",
    )
    assert query(live_env, "select count(*) from raw.bikes_rides")[0][0] >= 3
    assert mismatched == []
    # A clean stream quarantines nothing (the table only appears with its first row).
    assert query(live_env, "select to_regclass('raw.bikes_quarantine')")[0][0] is None


def test_sensor_requests_a_load_only_for_new_lines(live_env) -> None:
    instance = dg.DagsterInstance.ephemeral()
    down = dg.build_sensor_context(
        instance=instance,
        resources={"bike_api": BikeLogApiResource(base_url="http://127.0.0.1:9")},
    )
    assert isinstance(bikes_stream(down), dg.SkipReason)
    sim = BikeSimulator(bikes=0)
    with sim.serve() as server:
        context = dg.build_sensor_context(
            instance=instance,
            resources={"bike_api": BikeLogApiResource(base_url=server.url, idle_s=0)},
        )
        sim.append(ride_lines("bike-01", time.time(), rider(7, "1990-01-01"), [(90, 60, 20, 50)]))
        assert isinstance(bikes_stream(context), dg.RunRequest)
        assert isinstance(bikes_stream(context), dg.SkipReason)  # same end offset


def test_a_ride_deleted_while_going_on_stays_deleted(live_env, tmp_path) -> None:
    """DELETE /v1/ride/{id} mid-ride: later lines of that ride are not written again."""
    start = time.time() - 30
    ada = rider(511, years_ago(30), "Ada Shaw")
    ben = rider(512, years_ago(40), "Ben Lawson", "male")
    ada_lines = ride_lines("bike-01", start, ada, [(120, 70, 40, 100.0)] * 4)
    ben_lines = ride_lines("bike-02", start, ben, [(130, 80, 50, 150.0)] * 4)
    sim = BikeSimulator(bikes=0)
    instance = dg.DagsterInstance.ephemeral()
    handler = make_api_handler(live_env.dsn(), "Europe/Paris", tmp_path)
    server = make_server(tmp_path / "site", "127.0.0.1", 0, "pw", api_handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sim.serve() as bikes:
            resources = live_resources(bikes_url=bikes.url)
            sim.append(ada_lines[:5] + ben_lines[:5])  # two seconds of each ride
            assert succeeded(materialize(LOAD, instance=instance, resources=resources))
            [(ride_id,)] = query(
                live_env, "select ride_id from raw.bikes_rides where user_id = 511"
            )
            url = f"http://127.0.0.1:{server.server_address[1]}/v1/ride/{ride_id}"
            deleted = requests.delete(url, auth=("fitelt", "pw"), timeout=10)
            assert deleted.status_code == 200, deleted.text

            sim.append(ada_lines[5:] + ben_lines[5:])  # both rides go on
            assert succeeded(materialize(LOAD, instance=instance, resources=resources))
    finally:
        server.shutdown()
        server.server_close()
    assert query(live_env, "select user_id, seconds_recorded from raw.bikes_rides") == [(512, 4)]
    assert query(
        live_env, "select count(*) from raw.bikes_ride_seconds where ride_id = %s", (ride_id,)
    ) == [(0,)]


def test_one_run_reads_lines_as_they_arrive_and_alerts_before_it_ends(live_env) -> None:
    """A reading window: lines appended mid-run are loaded by the same run, and the run sends
    the heart-rate alert itself (the downstream alert asset only retries)."""
    start = time.time()
    ada = rider(521, years_ago(30), "Ada Shaw")  # limit 190
    lines = ride_lines("bike-01", start, ada, [(120, 70, 40, 100.0), (200, 72, 40, 110.0)])
    sim = BikeSimulator(bikes=0)
    instance = dg.DagsterInstance.ephemeral()
    outcome: dict[str, object] = {}
    with sim.serve() as server:
        resources = live_resources(bikes_url=server.url)
        resources["bike_api"] = BikeLogApiResource(
            base_url=server.url, window_s=30, interval_s=0.2, idle_s=3
        )
        sim.append(lines[:3])  # [SYSTEM] and the first second, under the limit

        def run() -> None:
            outcome["result"] = materialize(LOAD, instance=instance, resources=resources)

        loader = threading.Thread(target=run)
        loader.start()
        _wait_until(lambda: _count(live_env, "raw.bikes_ride_seconds") == 1, loader)
        sim.append(lines[3:])  # the second second, above the limit
        _wait_until(
            lambda: _count(live_env, "raw.bikes_hr_alerts where sent_at is not null"), loader
        )
        alert_while_running = loader.is_alive()
        loader.join(timeout=60)
    assert alert_while_running, "the alert was sent only after the load run ended"
    assert succeeded(outcome["result"])
    assert _count(live_env, "raw.bikes_ride_seconds") == 2
    (mat,) = [
        m
        for m in outcome["result"].asset_materializations_for_node("bikes")
        if m.asset_key == dg.AssetKey(["bikes", "rides"])
    ]
    assert mat.metadata["reads"].value >= 2 and mat.metadata["alerts_sent"].value == 1


def _count(db, table: str) -> int:
    """Rows of `table` (a table name plus an optional where clause); 0 before it exists."""
    try:
        return query(db, f"select count(*) from {table}")[0][0]
    except psycopg2.errors.UndefinedTable:
        return 0


def _wait_until(condition, loader: threading.Thread, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and loader.is_alive():
        if condition():
            return
        time.sleep(0.1)
    assert condition(), "the condition did not come true while the load ran"


def test_a_run_launched_early_waits_for_the_window_before_it(live_env) -> None:
    """Two `bikes_refresh` runs (the sensor launches the next before a window ends): the later
    one reads only after the earlier one has finished, so one dlt pipeline has one reader."""
    sim = BikeSimulator(bikes=0)
    sim.append(ride_lines("bike-01", time.time(), rider(531, years_ago(30)), [(100, 60, 30, 80)]))
    instance = dg.DagsterInstance.ephemeral()
    ended: dict[str, float] = {}
    with sim.serve() as server:
        api = {"base_url": server.url, "interval_s": 0.2}
        first = _bikes_defs(BikeLogApiResource(**api, window_s=3, idle_s=60))
        second = _bikes_defs(BikeLogApiResource(**api, window_s=0, idle_s=0))

        def run(name: str, defs: dg.Definitions) -> None:
            result = defs.resolve_job_def(BIKES_JOB).execute_in_process(instance=instance)
            assert result.success
            ended[name] = time.monotonic()

        earlier = threading.Thread(target=run, args=("first", first))
        earlier.start()
        _wait_until(lambda: _running(instance) == 1, earlier)
        run("second", second)
        earlier.join(timeout=60)
    assert ended["second"] > ended["first"], "the second run did not wait for the first"
    assert _count(live_env, "raw.bikes_ride_seconds") == 1


def _bikes_defs(bike_api: BikeLogApiResource) -> dg.Definitions:
    return dg.Definitions(
        assets=[bikes_assets, bikes_hr_alerts],
        jobs=[bikes_job],
        resources={"warehouse": WarehouseResource(), "bike_api": bike_api, "mail": MailResource()},
    )


def _running(instance: dg.DagsterInstance) -> int:
    return len(
        instance.get_run_records(
            filters=dg.RunsFilter(job_name=BIKES_JOB, statuses=[dg.DagsterRunStatus.STARTED])
        )
    )
