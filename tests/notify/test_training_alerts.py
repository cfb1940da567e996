"""Training alerts: each condition once a day per athlete, again the next day while it holds.

A fresh warehouse with marts.training_load_daily (the columns issue 17 gives it), Withings
weigh-ins and Strava rows with their dlt loads made here; mail through the real SMTP sink.
"Today" is a parameter, never the clock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest

from fitelt.live.settings import SmtpSettings
from fitelt.notify.alert_settings import AlertThresholds
from fitelt.notify.mailer import Mailer
from fitelt.notify.training_alerts import send_training_alerts
from fitelt.warehouse import ConnInfo
from tests.conftest import query
from tests.fakes.smtp import SmtpSink

D = date(2024, 5, 20)  # the athletes' latest day in the mart
PARIS = ZoneInfo("Europe/Paris")
ANN_ALERTS = ["acwr_high", "ramp_high", "strava_silent", "tsb_low", "weighin_silent"]

TABLES = """
create schema if not exists marts;
create table marts.training_load_daily (
    athlete_id text, day date, daily_load double precision, ctl double precision,
    atl double precision, tsb double precision, ramp_rate double precision,
    acwr double precision, acwr_ewma double precision
);
create table raw.withings_measures (
    athlete_id text, measured_at timestamptz, measure_type bigint, measure_name text,
    value double precision, timezone text
);
create table raw.strava_activities (athlete_id text, activity_id bigint, _dlt_load_id text);
create table raw._dlt_loads (
    load_id text, schema_name text, status bigint, inserted_at timestamptz
);
"""


def _at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def _fill(db: ConnInfo) -> None:
    """ann: every condition holds on D; bob: in his ACWR warm-up (null), nothing holds."""
    loads = [  # athlete, day, daily_load, ctl, atl, tsb, ramp_rate, acwr, acwr_ewma
        ("ann", D - timedelta(days=1), 90, 50, 80, -20, 6, 1.3, 1.3),
        ("ann", D, 120, 55, 95, -35.5, 9.2, 1.72, 1.6),
        ("bob", D, 200, 10, 60, -5, 2, None, 2.5),  # warm-up: rolling acwr null
    ]
    weighins = [
        ("ann", _at(D - timedelta(days=10)), 1, "weight_kg", 61.0, "Europe/Paris"),
        ("ann", _at(D - timedelta(days=2)), 6, "fat_ratio", 21.0, "Europe/Paris"),  # not weight
        ("bob", _at(D - timedelta(days=1)), 1, "weight_kg", 80.0, "Europe/Paris"),
    ]
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(TABLES)
        cur.executemany("insert into marts.training_load_daily values (%s, %s, %s, %s, %s, "
                        "%s, %s, %s, %s)", loads)  # fmt: skip
        cur.executemany("insert into raw.withings_measures values (%s, %s, %s, %s, %s, %s)",
                        weighins)  # fmt: skip
        cur.executemany(
            "insert into raw._dlt_loads values (%s, 'strava', %s, %s)",
            [("l1", 0, _at(D - timedelta(days=5))), ("l2", 0, _at(D, 6)),
             ("l3", 1, _at(D, 7))],  # a load that did not complete: not a sync
        )  # fmt: skip
        cur.executemany(
            "insert into raw.strava_activities values (%s, %s, %s)",
            [("ann", 1, "l1"), ("ann", 2, "l3"), ("bob", 3, "l2")],
        )


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def _mailer(sink: SmtpSink, tmp_path: Path) -> Mailer:
    smtp = SmtpSettings("127.0.0.1", sink.port, None, None, "fitelt@test.local", "none")
    return Mailer(smtp, tmp_path / "outbox")


def _run(db: ConnInfo, mailer: Mailer, today: date, to: str | None = "coach@example.com",
         limits: AlertThresholds | None = None):  # fmt: skip
    return send_training_alerts(
        db.dsn(), mailer, to, limits=limits or AlertThresholds(), default_tz="UTC", today=today
    )


def _alerts(db: ConnInfo) -> list[tuple]:
    return query(
        db,
        "select athlete_id, alert, day, delivery, finished_at is not null "
        "from raw.training_alerts order by day, athlete_id, alert",
    )


def test_each_alert_once_a_day_and_again_the_next_day(fresh_db, sink, tmp_path) -> None:
    _fill(fresh_db)
    mailer = _mailer(sink, tmp_path)
    stats = _run(fresh_db, mailer, D)
    assert (stats.athletes, stats.conditions, stats.sent, stats.failed) == (2, 5, 5, 0)
    subjects = sorted(str(m["Subject"]) for m in sink.messages)
    assert all(s.startswith("Training alert: ann: ") for s in subjects)
    assert "Training alert: ann: acute:chronic workload ratio 1.72 is above 1.5" in subjects
    assert "Training alert: ann: form (TSB) -35.5 is below -30" in subjects
    assert "Training alert: ann: fitness ramp rate 9.2 per week is above 8" in subjects
    assert "Training alert: ann: no weigh-in for 10 days" in subjects
    assert "Training alert: ann: Strava not synced for 5 days" in subjects  # l3 failed
    assert {m["To"] for m in sink.messages} == {"coach@example.com"}

    assert _run(fresh_db, mailer, D).sent == 0  # the same day: nothing again
    assert len(sink.messages) == 5

    again = _run(fresh_db, mailer, D + timedelta(days=1))  # still true the next day
    assert again.sent == 5 and len(sink.messages) == 10
    assert _alerts(fresh_db) == [
        ("ann", alert, day, "smtp", True) for day in (D, D + timedelta(days=1))
        for alert in ANN_ALERTS
    ]  # fmt: skip


def test_a_failed_send_is_retried_by_the_next_run(fresh_db, sink, tmp_path) -> None:
    _fill(fresh_db)
    mailer = _mailer(sink, tmp_path)
    sink.fail_next()
    first = _run(fresh_db, mailer, D)
    assert (first.sent, first.failed) == (4, 1)
    assert query(fresh_db, "select count(*) from raw.training_alerts") == [(4,)]  # released
    second = _run(fresh_db, mailer, D)
    assert (second.sent, second.failed) == (1, 0)
    assert len(sink.messages) == 5
    assert len({str(m["Subject"]) for m in sink.messages}) == 5  # each condition once


def test_thresholds_come_from_the_environment(fresh_db, sink, tmp_path, monkeypatch) -> None:
    _fill(fresh_db)
    for name, value in [
        ("ACWR_MAX", "1.8"),
        ("TSB_MIN", "-40"),
        ("RAMP_MAX", "10"),
        ("WEIGHIN_SILENT_DAYS", "11"),
        ("STRAVA_SILENT_DAYS", "5"),
    ]:
        monkeypatch.setenv(f"FITELT_ALERT_{name}", value)  # fmt: skip
    limits = AlertThresholds.from_env()
    assert limits == AlertThresholds(1.8, -40.0, 10.0, 11, 5)
    stats = _run(fresh_db, _mailer(sink, tmp_path), D, limits=limits)
    # Only Strava's 5 days reach its threshold of 5; bob's warm-up stays quiet at any ACWR.
    assert [str(m["Subject"]) for m in sink.messages] == [
        "Training alert: ann: Strava not synced for 5 days"
    ]
    assert stats.sent == 1
    monkeypatch.setenv("FITELT_ALERT_ACWR_MAX", "0.1")
    _run(fresh_db, _mailer(sink, tmp_path), D, limits=AlertThresholds.from_env())
    assert [a for a in _alerts(fresh_db) if a[1] == "acwr_high"] == [
        ("ann", "acwr_high", D, "smtp", True)
    ]  # not bob: a null ACWR never alerts


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FITELT_ALERT_ACWR_MAX", "high", "FITELT_ALERT_ACWR_MAX must be a number, got 'high'"),
        ("FITELT_ALERT_TSB_MIN", "nan", "FITELT_ALERT_TSB_MIN must be a number"),
        ("FITELT_ALERT_STRAVA_SILENT_DAYS", "2.5", "must be a whole number of days, got 2.5"),
        ("FITELT_ALERT_WEIGHIN_SILENT_DAYS", "0", "must be at least 1, got 0"),
    ],
)
def test_a_bad_threshold_is_a_clear_error(monkeypatch, name, value, message) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        AlertThresholds.from_env()


def test_without_a_recipient_the_alert_is_recorded_not_delivered(fresh_db, sink, tmp_path) -> None:
    _fill(fresh_db)
    mailer = _mailer(sink, tmp_path)
    stats = _run(fresh_db, mailer, D, to=None)
    assert (stats.sent, stats.undelivered, stats.failed) == (0, 5, 0)
    assert sink.messages == [] and not (tmp_path / "outbox").exists()
    assert {row[3] for row in _alerts(fresh_db)} == {"no recipient"}
    assert _run(fresh_db, mailer, D, to=None).undelivered == 0  # recorded once a day too


def test_a_warehouse_without_the_tables_has_nothing_to_alert(fresh_db, sink, tmp_path) -> None:
    stats = _run(fresh_db, _mailer(sink, tmp_path), D)
    assert (stats.athletes, stats.conditions, stats.sent) == (0, 0, 0)
    assert query(fresh_db, "select count(*) from raw.training_alerts") == [(0,)]


def test_the_asset_sends_through_the_configured_mailer(fitelt_env, monkeypatch) -> None:
    """The Dagster asset, run alone: no SMTP host, so the messages land in the outbox."""
    import dagster as dg

    from orchestration.assets.training_alerts import training_alerts
    from orchestration.resources.live_streams import MailResource
    from orchestration.resources.warehouse import WarehouseResource

    for name in ("FITELT_SMTP_HOST", "FITELT_ALERT_ACWR_MAX", "FITELT_ALERT_TSB_MIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FITELT_ALERT_TO", "coach@example.com")
    _fill(fitelt_env)  # D lies in the past: the next "today" only adds silent days
    resources = {"warehouse": WarehouseResource(), "mail": MailResource()}
    assert dg.materialize([training_alerts], resources=resources).success
    # On the real today, D is long past: bob's scale and Strava have gone silent too.
    rows = query(fitelt_env, "select athlete_id, alert, delivery from raw.training_alerts")
    assert sorted(rows) == sorted(
        [("ann", alert, "outbox") for alert in ANN_ALERTS]
        + [("bob", "strava_silent", "outbox"), ("bob", "weighin_silent", "outbox")]
    )
    outbox = Path(os.environ["FITELT_DATA_DIR"]) / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 7
    monkeypatch.setenv("FITELT_ALERT_TSB_MIN", "low")  # a bad threshold fails the run clearly
    result = dg.materialize([training_alerts], resources=resources, raise_on_error=False)
    assert not result.success
