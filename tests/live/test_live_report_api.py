"""Daily bike report for a fixed day against independent SQL, and every read-API route."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg2
import pytest
import requests

from dlt_sources.foot_sensors import FootSensorStore, parse_poll
from dlt_sources.simulators.bikes import BikeSimulator
from dlt_sources.simulators.foot_sensors import FootSensorSimulator
from fitelt.warehouse import ConnInfo
from fitelt.warehouse.bootstrap import ensure_layout
from fitelt.web.read_api import make_api_handler
from fitelt.web.site_server import make_server
from orchestration.assets.bike_daily_report import bikes_daily_report
from orchestration.lib.materialize import materialize, succeeded
from orchestration.resources.live_streams import MailResource
from orchestration.resources.warehouse import WarehouseResource
from tests.conftest import create_database, drop_database, query
from tests.fakes.smtp import SmtpSink
from tests.live.helpers import LIVE_VARS, live_resources, ride_lines, rider

BIKE_MARTS = "group:bikes+ and not key:report_site and not key:bikes_daily_report"
REPORT_END = "2025-03-01T16:45:00+01:00"  # the 16:45 schedule in Europe/Paris
WINDOW = (datetime(2025, 2, 28, 15, 45, tzinfo=UTC), datetime(2025, 3, 1, 15, 45, tzinfo=UTC))
A = rider(701, "2008-01-10", "Ada Shaw", "female")  # 17 on 2025-03-01: under 18
B = rider(702, "1984-06-01", "Ben Lawson", "male")  # 40: 35-45
C = rider(703, "1965-01-01", "Chloe Wong", "female")  # ride before the window
D = rider(704, "2003-01-01", "Dev Patel", "male")  # ride after the window (same local day)
E = rider(705, "1995-05-05", "Ella Rossi", "female")  # riding right now


def _at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.fixture(scope="module")
def warehouse(pg_server: ConnInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One database for the module: bike rides around 2025-03-01, marts built once."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    db = create_database(pg_server, name)
    ensure_layout(db, reader_password=None)
    data_dir = tmp_path_factory.mktemp("live") / "data"
    with pytest.MonkeyPatch.context() as env:
        for var in LIVE_VARS:
            env.delenv(var, raising=False)
        env.setenv("FITELT_DATA_DIR", str(data_dir))
        env.setenv("DATABASE_URL", db.url())
        env.setenv("FITELT_DEFAULT_TIMEZONE", "Europe/Paris")
        now = time.time()
        lines = [
            *ride_lines("bike-01", _at("2025-03-01T08:00:00+00:00"), A,
                        [(150, 70, 40, 100.0), (160, 72, 40, 120.0)]),
            *ride_lines("bike-02", _at("2025-03-01T09:00:00+00:00"), B,
                        [(140, 80, 50, 200.0), (0, 80, 50, 220.0), (150, 82, 50, 240.0)]),
            *ride_lines("bike-01", _at("2025-03-01T12:00:00+00:00"), A, [(170, 90, 60, 300.0)]),
            *ride_lines("bike-03", _at("2025-02-28T10:00:00+00:00"), C, [(120, 60, 30, 90.0)]),
            *ride_lines("bike-03", _at("2025-03-01T16:00:00+00:00"), D, [(130, 60, 30, 95.0)]),
            *ride_lines("bike-04", now - 10, E, [(110, 70, 30, 80.0), (115, 71, 31, 85.0)]),
        ]  # fmt: skip
        sim = BikeSimulator(bikes=0)
        sim.append(lines)
        with sim.serve() as server:
            resources = live_resources(bikes_url=server.url)
            instance = dg.DagsterInstance.ephemeral()
            assert succeeded(materialize(BIKE_MARTS, instance=instance, resources=resources))
        rides = dict(query(db, "select started_at, ride_id from raw.bikes_rides"))
        # Six alerts sent inside the window (more than five: the report warns), one outside.
        sent = [WINDOW[0] + timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 30)]
        with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
            for n, at in enumerate(sent):
                cur.execute(
                    "insert into raw.bikes_hr_alerts (ride_id, user_id, bike_id, rider_name, age,"
                    " hr_limit, max_heart_rate, first_exceeded_at, claimed_at, sent_at, delivery)"
                    " values (%s, 701, 'bike-01', 'Ada Shaw', 17, 203, 210, %s, %s, %s, 'smtp')",
                    (900_000 + n, at, at, at),
                )
        yield {"db": db, "data_dir": data_dir, "rides": rides}
    drop_database(pg_server, name)


def _age(born: str, on: date) -> int:
    b = date.fromisoformat(born)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def test_daily_report_for_a_fixed_day_matches_sql_and_is_emailed(warehouse, monkeypatch) -> None:
    db = warehouse["db"]
    expected = query(
        db,
        "select count(*), count(distinct user_id), sum(avg_power * seconds_recorded) "
        "/ sum(seconds_recorded), max(max_power), sum(avg_heart_rate * heart_rate_seconds) "
        "/ sum(heart_rate_seconds), max(max_heart_rate) from raw.bikes_rides "
        "where started_at >= %s and started_at < %s",
        WINDOW,
    )[0]
    assert expected[:2] == (3, 2)  # A twice and B; C before, D after the window
    with SmtpSink() as sink:
        monkeypatch.setenv("FITELT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FITELT_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("FITELT_REPORT_TO", "ceo@example.com")
        config = {"end": REPORT_END, "send_email": True}
        result = dg.materialize(
            [bikes_daily_report],
            resources={"warehouse": WarehouseResource(), "mail": MailResource()},
            run_config={"ops": {"bikes_daily_report": {"config": config}}},
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        messages = sink.messages
    report = Path(warehouse["data_dir"]) / "reports" / "daily" / "2025-03-01.html"
    page = report.read_text()
    index = (report.parent / "index.html").read_text()
    assert "2025-03-01.html" in index
    assert "WARNING: 6 heart-rate alerts" in page
    mean_power, max_power, mean_hr, max_hr = (float(v) for v in expected[2:])
    assert f"<td>power, W</td><td>{mean_power:,.1f}</td><td>{max_power:,.1f}</td>" in page
    assert f"<td>heart rate, bpm</td><td>{mean_hr:,.1f}</td><td>{max_hr:,.0f}</td>" in page
    # Riders by gender and age band (their age on the day of their ride), computed here.
    assert "<td>female</td><td>1</td>" in page and "<td>male</td><td>1</td>" in page
    assert _age(A["date_of_birth"], date(2025, 3, 1)) == 17
    assert "<td>under 18</td><td>1</td>" in page and "<td>35-45</td><td>1</td>" in page
    assert "<td>55+</td><td>0</td>" in page
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "ceo@example.com"
    assert message["Subject"].strip().startswith("!! WARNING !! Daily bike report 2025-03-01: 3")
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["2025-03-01.html"]


@pytest.fixture
def api(warehouse) -> Iterator[str]:
    db, data_dir = warehouse["db"], Path(warehouse["data_dir"])
    handler = make_api_handler(db.dsn(), "Europe/Paris", data_dir)
    server = make_server(data_dir / "site", "127.0.0.1", 0, "pw", api_handler=handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, method: str = "GET", auth: Any = ("fitelt", "pw")) -> requests.Response:
    return requests.request(method, url, auth=auth, timeout=10)


def test_every_api_route_with_errors_and_delete(warehouse, api) -> None:
    db, rides = warehouse["db"], warehouse["rides"]
    ride_b = rides[datetime(2025, 3, 1, 9, tzinfo=UTC)]
    ride_a2 = rides[datetime(2025, 3, 1, 12, tzinfo=UTC)]

    assert _get(f"{api}/v1", auth=None).status_code == 401
    assert "GET /v1/ride/{id}" in _get(f"{api}/v1").json()["routes"]
    body = _get(f"{api}/v1/ride/{ride_b}").json()
    assert (body["rider_name"], body["age"], body["age_band"], body["hr_limit"]) == (
        "Ben Lawson", 40, "35-45", 180,
    )  # fmt: skip
    assert body["avg_heart_rate"] == 145.0  # the second without a heart-rate signal is left out
    for path, status, words in [
        ("/v1/ride/abc", 400, "positive integer"),
        ("/v1/ride/0", 400, "positive integer"),
        ("/v1/ride/99999999999999999999", 400, "positive integer"),
        ("/v1/ride/123456", 404, "no ride 123456"),
        ("/v1/rider/x1", 400, "rider id"),
        ("/v1/rider/424242", 404, "no rider"),
        ("/v1/rider/424242/rides", 404, "no rider"),
        ("/v1/daily?date=2025-02-30", 400, "YYYY-MM-DD"),
        ("/v1/daily?date=01-03-2025", 400, "YYYY-MM-DD"),
        ("/v1/live/rides?within=soon", 400, "within"),
        ("/v1/nope", 404, "no such route"),
        ("/v1/reports/daily/2020-01-01", 404, "no report"),
    ]:
        response = _get(api + path)
        assert response.status_code == status, path
        assert response.headers["Content-Type"] == "application/json"
        assert words in response.json()["error"], path
    wrong = _get(f"{api}/v1/ride/{ride_b}", method="PUT")
    assert wrong.status_code == 405 and "DELETE" in wrong.headers["Allow"]
    assert _get(f"{api}/api/anything").status_code == 503  # Evidence's /api/ is not ours

    rider_a = _get(f"{api}/v1/rider/701").json()
    assert (rider_a["name"], rider_a["gender"], rider_a["number_of_rides"]) == (
        "Ada Shaw", "female", 2,
    )  # fmt: skip
    assert rider_a["average_heart_rate"] == pytest.approx((150 + 160 + 170) / 3)
    assert rider_a["age"] == _age(A["date_of_birth"], date.today())
    listed = _get(f"{api}/v1/rider/701/rides").json()
    assert [r["ride_id"] for r in listed["rides"]][0] == ride_a2  # newest first

    day = _get(f"{api}/v1/daily?date=2025-03-01").json()
    assert day["count"] == 4  # A twice, B, and D at 17:00 Paris time; C was the day before
    today = _get(f"{api}/v1/daily").json()
    assert [r["rider_name"] for r in today["rides"]] == ["Ella Rossi"]

    live = _get(f"{api}/v1/live/rides").json()["rides"]
    assert [(r["rider_name"], r["heart_rate"], r["power"]) for r in live] == [
        ("Ella Rossi", 115.0, 85.0)
    ]
    sim = FootSensorSimulator(seed=4)
    with FootSensorStore(db.dsn()) as store:
        store.write([parse_poll(p, sim.reading(p), datetime.now(UTC)) for p in (1, 2)])
    persons = _get(f"{api}/v1/live/sensors").json()["persons"]
    assert [p["person_id"] for p in persons] == [1, 2]
    assert [s["id"] for s in persons[0]["sensors"]] == [0, 1, 2, 3, 4, 5]

    (Path(warehouse["data_dir"]) / "reports" / "daily").mkdir(parents=True, exist_ok=True)
    from fitelt.notify.daily_html import write_index

    write_index(Path(warehouse["data_dir"]) / "reports" / "daily")
    assert "Daily bike reports" in _get(f"{api}/v1/reports/daily/").text

    deleted = _get(f"{api}/v1/ride/{ride_a2}", method="DELETE")
    assert deleted.status_code == 200 and deleted.json()["deleted"] == ride_a2
    assert _get(f"{api}/v1/ride/{ride_a2}").status_code == 404
    assert _get(f"{api}/v1/ride/{ride_a2}", method="DELETE").status_code == 404
    assert _get(f"{api}/v1/rider/701").json()["number_of_rides"] == 1
    for table in ("raw.bikes_rides", "raw.bikes_ride_seconds", "marts.bike_rides"):
        assert query(db, f"select count(*) from {table} where ride_id = %s", (ride_a2,)) == [(0,)]
