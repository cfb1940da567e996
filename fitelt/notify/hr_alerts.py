"""Heart-rate alerts: one email per ride whose heart rate went above the rider's age limit.

The limit is FITELT_BIKES_HR_LIMIT_FORMULA: 220 − age (the default) or Tanaka, round(208 − 0.7 ×
age) (alert_settings.py); the limit used is recorded in the alert's `hr_limit`.

Exactly once per ride: a ride is claimed in `raw.bikes_hr_alerts` (primary key ride_id) before
the email goes out and marked sent after; a failed send releases the claim so the next run
retries, and a claim left by a crashed run is taken over after CLAIM_TIMEOUT.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg2
import psycopg2.extras

from fitelt.notify.alert_settings import hr_limit_label, hr_limit_sql
from fitelt.notify.mailer import Mailer

log = logging.getLogger(__name__)

LOOKBACK_HOURS = 24  # rides older than this are history, not an emergency: no alert
CLAIM_TIMEOUT = "10 minutes"

DDL = """
create table if not exists raw.bikes_hr_alerts (
    ride_id bigint primary key,
    user_id bigint not null,
    bike_id text not null,
    rider_name text,
    age integer not null,
    hr_limit integer not null,
    max_heart_rate double precision not null,
    first_exceeded_at timestamptz not null,
    recipient text,
    delivery text,
    claimed_at timestamptz not null,
    sent_at timestamptz
)
"""

# Age in whole years on the day the ride started; {limit} is the limit's SQL for `rides.age`.
CANDIDATES = """
with rides as (
    select
        r.ride_id, r.user_id, r.bike_id, u.name, u.email,
        extract(year from age(r.started_at::date, u.date_of_birth))::int as age
    from raw.bikes_rides as r
    inner join raw.bikes_riders as u on r.user_id = u.user_id
    where r.last_second_at >= now() - make_interval(hours => %(lookback)s)
)
select
    rides.ride_id, rides.user_id, rides.bike_id, rides.name, rides.email, rides.age,
    {limit} as hr_limit,
    max(s.heart_rate) as max_heart_rate,
    min(s.recorded_at) as first_exceeded_at
from rides
inner join raw.bikes_ride_seconds as s on rides.ride_id = s.ride_id
where
    s.heart_rate > {limit}
    and not exists (
        select 1 from raw.bikes_hr_alerts as a
        where a.ride_id = rides.ride_id and a.sent_at is not null
    )
group by rides.ride_id, rides.user_id, rides.bike_id, rides.name, rides.email, rides.age
order by first_exceeded_at
"""

CLAIM = f"""
insert into raw.bikes_hr_alerts as a (ride_id, user_id, bike_id, rider_name, age, hr_limit,
    max_heart_rate, first_exceeded_at, claimed_at)
values (%(ride_id)s, %(user_id)s, %(bike_id)s, %(name)s, %(age)s, %(hr_limit)s,
    %(max_heart_rate)s, %(first_exceeded_at)s, now())
on conflict (ride_id) do update set claimed_at = now()
where a.sent_at is null and a.claimed_at < now() - interval '{CLAIM_TIMEOUT}'
returning ride_id
"""  # noqa: S608 (a constant, no user input)


@dataclass
class AlertStats:
    candidates: int = 0
    sent: int = 0
    failed: int = 0


def ensure_alerts_table(dsn: str) -> None:
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        cur.execute(DDL)
    db.close()


def _message(mailer: Mailer, ride: dict[str, Any], to: str) -> Any:
    name = ride["name"] or f"rider {ride['user_id']}"
    subject = (
        f"Heart-rate alert: {name} reached {ride['max_heart_rate']:.0f} bpm on {ride['bike_id']}"
    )
    text = (
        f"{name} (age {ride['age']}) reached a heart rate of {ride['max_heart_rate']:.0f} bpm "
        f"during ride {ride['ride_id']} on {ride['bike_id']}, above their age-based maximum of "
        f"{ride['hr_limit']} bpm ({hr_limit_label()}), first at "
        f"{ride['first_exceeded_at']:%H:%M:%S} UTC.\n\n"
        "Please check on the rider and suggest lowering the resistance.\n"
    )
    return mailer.message(to, subject, text)


def send_alerts(dsn: str, mailer: Mailer, alert_to: str | None) -> AlertStats:
    """Alert every recent ride above its limit that has no sent alert yet."""
    candidates_sql = CANDIDATES.format(limit=hr_limit_sql("rides.age"))  # bad formula: fails now
    ensure_alerts_table(dsn)
    stats = AlertStats()
    db = psycopg2.connect(dsn)
    db.autocommit = True
    try:
        with db.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(candidates_sql, {"lookback": LOOKBACK_HOURS})
            candidates = cur.fetchall()
        stats.candidates = len(candidates)
        for ride in candidates:
            with db.cursor() as cur:
                cur.execute(CLAIM, dict(ride))
                if cur.fetchone() is None:
                    continue  # already sent, or another run is sending it right now
            to = alert_to or ride["email"] or ""
            try:
                delivery = mailer.send(_message(mailer, ride, to))
            except Exception as exc:  # any failure (SMTP, disk) releases the claim
                stats.failed += 1
                log.error("alert for ride %s not sent: %s", ride["ride_id"], exc)
                with db.cursor() as cur:
                    cur.execute(
                        "delete from raw.bikes_hr_alerts where ride_id = %s and sent_at is null",
                        (ride["ride_id"],),
                    )
                continue
            with db.cursor() as cur:
                cur.execute(
                    "update raw.bikes_hr_alerts set sent_at = now(), recipient = %s, "
                    "delivery = %s where ride_id = %s",
                    (to or None, delivery.method, ride["ride_id"]),
                )
            stats.sent += 1
            log.warning(
                "heart-rate alert: ride %s, %s at %.0f bpm > %d (%s)",
                ride["ride_id"], ride["name"], ride["max_heart_rate"], ride["hr_limit"],
                delivery.detail,
            )  # fmt: skip
    finally:
        db.close()
    return stats
