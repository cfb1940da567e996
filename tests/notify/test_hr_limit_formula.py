"""FITELT_BIKES_HR_LIMIT_FORMULA: 220 - age by default, Tanaka on request, nonsense refused.

The limit's SQL is evaluated by PostgreSQL (the rounding is the server's), and the bike alert
is run on minimal raw bike tables: a 50-year-old at 172 bpm is above 220 - 50 = 170 but not
above Tanaka's 208 - 35 = 173.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import psycopg2
import pytest

from fitelt.live.settings import SmtpSettings
from fitelt.notify.alert_settings import hr_limit_formula, hr_limit_sql
from fitelt.notify.hr_alerts import send_alerts
from fitelt.notify.mailer import Mailer
from tests.conftest import query
from tests.fakes.smtp import SmtpSink

BIKES = """
create table raw.bikes_riders (user_id bigint, name text, email text, date_of_birth date);
create table raw.bikes_rides (
    ride_id bigint, user_id bigint, bike_id text, started_at timestamptz,
    last_second_at timestamptz
);
create table raw.bikes_ride_seconds (ride_id bigint, heart_rate double precision,
    recorded_at timestamptz);
"""


@pytest.mark.parametrize(
    ("formula", "limits"),
    [
        (None, {20: 200, 35: 185, 50: 170}),
        ("220-age", {20: 200, 35: 185, 50: 170}),
        ("TANAKA", {20: 194, 35: 184, 50: 173}),  # 208 - 24.5 = 183.5: halves up
    ],
)
def test_the_limit_by_formula(fresh_db, monkeypatch, formula, limits) -> None:
    if formula is None:
        monkeypatch.delenv("FITELT_BIKES_HR_LIMIT_FORMULA", raising=False)
    else:
        monkeypatch.setenv("FITELT_BIKES_HR_LIMIT_FORMULA", formula)
    expression = hr_limit_sql("age")
    got = query(fresh_db, f"select age, {expression} from unnest(%s) as age order by 1",  # noqa: S608
                (list(limits),))  # fmt: skip
    assert dict(got) == limits


def test_an_unknown_formula_is_a_clear_error(fresh_db, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FITELT_BIKES_HR_LIMIT_FORMULA", "fox")
    with pytest.raises(ValueError, match="must be one of 220-age, tanaka, got 'fox'"):
        hr_limit_formula()
    with pytest.raises(ValueError, match="FITELT_BIKES_HR_LIMIT_FORMULA"):  # before any work
        send_alerts(fresh_db.dsn(), Mailer(None, tmp_path), None)
    assert query(fresh_db, "select to_regclass('raw.bikes_hr_alerts')") == [(None,)]


def _ride(db) -> None:
    now = datetime.now(UTC)
    month_ago = (now - timedelta(days=40)).date()
    born = date(month_ago.year - 50, month_ago.month, min(month_ago.day, 28))  # 50 today
    with psycopg2.connect(db.dsn()) as conn, conn.cursor() as cur:
        cur.execute(BIKES)
        cur.execute("insert into raw.bikes_riders values (7, 'Ada', 'ada@example.com', %s)",
                    (born,))  # fmt: skip
        cur.execute("insert into raw.bikes_rides values (70, 7, 'bike-07', %s, %s)",
                    (now - timedelta(minutes=5), now))  # fmt: skip
        cur.execute("insert into raw.bikes_ride_seconds values (70, 172, %s)", (now,))


@pytest.mark.parametrize(("formula", "alerts"), [("220-age", [(170, "smtp")]), ("tanaka", [])])
def test_the_bike_alert_follows_the_formula(
    fresh_db, monkeypatch, tmp_path, formula, alerts
) -> None:
    monkeypatch.setenv("FITELT_BIKES_HR_LIMIT_FORMULA", formula)
    _ride(fresh_db)
    with SmtpSink() as sink:
        smtp = SmtpSettings("127.0.0.1", sink.port, None, None, "fitelt@test.local", "none")
        stats = send_alerts(fresh_db.dsn(), Mailer(smtp, tmp_path), None)
    assert stats.sent == len(alerts) == len(sink.messages)
    assert query(fresh_db, "select hr_limit, delivery from raw.bikes_hr_alerts") == alerts
    if alerts:
        assert "170 bpm (220 - age)" in sink.messages[0].get_content()
