"""Training alerts: at most one email per athlete, condition and day (see training_conditions).

Exactly once a day, the pattern of hr_alerts.py: the (athlete, alert, day) row is claimed in
`raw.training_alerts` before the email goes out and finished after; a failed send releases the
claim so the next run retries, and a claim left by a crashed run is taken over after
CLAIM_TIMEOUT. A condition still true the next day is a new day: sent again.

Recipient: FITELT_ALERT_TO (athletes have no address of their own in the warehouse). Without
it nothing is sent: the row is finished with delivery 'no recipient' (recorded, not an error).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg2

from fitelt.notify.alert_settings import AlertThresholds
from fitelt.notify.mailer import Mailer
from fitelt.notify.training_conditions import (
    ALERTS,
    Condition,
    athletes_to_check,
    conditions_for,
    local_today,
)

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = "10 minutes"
NO_RECIPIENT = "no recipient"

DDL = f"""
create table if not exists raw.training_alerts (
    athlete_id text not null,
    alert text not null check (alert in ({", ".join(f"'{a}'" for a in ALERTS)})),
    day date not null,
    as_of date not null,
    value double precision not null,
    threshold double precision not null,
    recipient text,
    delivery text,
    claimed_at timestamptz not null,
    finished_at timestamptz,
    primary key (athlete_id, alert, day)
)
"""

CLAIM = f"""
insert into raw.training_alerts as a (athlete_id, alert, day, as_of, value, threshold,
    claimed_at)
values (%(athlete_id)s, %(alert)s, %(day)s, %(as_of)s, %(value)s, %(threshold)s, now())
on conflict (athlete_id, alert, day) do update set
    claimed_at = now(), as_of = excluded.as_of, value = excluded.value,
    threshold = excluded.threshold
where a.finished_at is null and a.claimed_at < now() - interval '{CLAIM_TIMEOUT}'
returning athlete_id
"""  # noqa: S608 (constants, no user input)

FINISH = """
update raw.training_alerts set finished_at = now(), recipient = %s, delivery = %s
where athlete_id = %s and alert = %s and day = %s
"""

RELEASE = """
delete from raw.training_alerts
where athlete_id = %s and alert = %s and day = %s and finished_at is null
"""

WHAT = {  # alert → (subject, why it matters)
    "acwr_high": (
        "acute:chronic workload ratio {value:.2f} is above {threshold:g}",
        "This week's load is well above what the last four weeks prepared for; the injury "
        "risk rises with such spikes. Consider an easier day.",
    ),
    "tsb_low": (
        "form (TSB) {value:.1f} is below {threshold:g}",
        "Fatigue is far above fitness: a rest or recovery day is due.",
    ),
    "ramp_high": (
        "fitness ramp rate {value:.1f} per week is above {threshold:g}",
        "Fitness (CTL) is climbing faster than is usually sustainable.",
    ),
    "weighin_silent": (
        "no weigh-in for {value:.0f} days",
        "The scale has been silent for longer than usual: is it synced (fitelt connect "
        "withings) and are the batteries fine?",
    ),
    "strava_silent": (
        "Strava not synced for {value:.0f} days",
        "No Strava activity has arrived for longer than usual: check the strava_refresh runs "
        "in Dagster, and reconnect with `fitelt connect strava` if the grant was revoked.",
    ),
}


@dataclass
class TrainingAlertStats:
    athletes: int = 0
    conditions: int = 0
    sent: int = 0
    undelivered: int = 0
    failed: int = 0


def ensure_training_alerts_table(dsn: str) -> None:
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        cur.execute(DDL)
    db.close()


def message_text(condition: Condition) -> tuple[str, str]:
    """(subject, body) of the email for `condition`."""
    headline, advice = WHAT[condition.alert]
    facts = headline.format(value=condition.value, threshold=condition.threshold)
    subject = f"Training alert: {condition.athlete_id}: {facts}"
    body = (
        f"Athlete {condition.athlete_id}: {facts} (data of {condition.as_of:%Y-%m-%d}, checked "
        f"on {condition.day:%Y-%m-%d}).\n\n{advice}\n\nAt most one such message a day; the "
        "thresholds are set by the FITELT_ALERT_* variables.\n"
    )
    return subject, body


def evaluate(
    dsn: str, limits: AlertThresholds, default_tz: str, today: date | None = None
) -> tuple[int, list[Condition]]:
    """(athletes checked, conditions that hold). `today` pins every athlete's day (tests)."""
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        athletes = athletes_to_check(cur, default_tz)
        found = [
            condition
            for athlete_id, tz in athletes
            for condition in conditions_for(cur, athlete_id, tz, local_today(tz, today), limits)
        ]
    db.close()
    return len(athletes), found


def send_training_alerts(
    dsn: str,
    mailer: Mailer,
    alert_to: str | None,
    *,
    limits: AlertThresholds,
    default_tz: str,
    today: date | None = None,
) -> TrainingAlertStats:
    """Send each condition that holds and has no finished row for its day yet."""
    ensure_training_alerts_table(dsn)
    stats = TrainingAlertStats()
    stats.athletes, conditions = evaluate(dsn, limits, default_tz, today)
    stats.conditions = len(conditions)
    db = psycopg2.connect(dsn)
    db.autocommit = True
    try:
        for condition in conditions:
            _send_one(db, mailer, alert_to, condition, stats)
    finally:
        db.close()
    return stats


def _send_one(
    db: Any, mailer: Mailer, to: str | None, c: Condition, stats: TrainingAlertStats
) -> None:
    key = (c.athlete_id, c.alert, c.day)
    with db.cursor() as cur:
        cur.execute(CLAIM, vars(c))
        if cur.fetchone() is None:
            return  # already handled today, or another run is sending it right now
    if not to:
        with db.cursor() as cur:
            cur.execute(FINISH, (None, NO_RECIPIENT, *key))
        stats.undelivered += 1
        log.warning("training alert %s for %s not delivered: set FITELT_ALERT_TO", c.alert,
                    c.athlete_id)  # fmt: skip
        return
    subject, text = message_text(c)
    try:
        delivery = mailer.send(mailer.message(to, subject, text))
    except Exception as exc:  # any failure (SMTP, disk) releases the claim: the next run retries
        stats.failed += 1
        log.error("training alert %s for %s not sent: %s", c.alert, c.athlete_id, exc)
        with db.cursor() as cur:
            cur.execute(RELEASE, key)
        return
    with db.cursor() as cur:
        cur.execute(FINISH, (to, delivery.method, *key))
    stats.sent += 1
    log.warning("training alert: %s (%s)", subject, delivery.detail)
