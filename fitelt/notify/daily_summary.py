"""The daily bike report's numbers: rides started in a 24-hour window, from marts.bike_rides.

Riders are counted once, by gender and by the age band of their latest ride in the window.
Power and heart-rate means are over seconds (a long ride weighs more than a short one).
Alerts are those sent in the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import psycopg2
import psycopg2.extras

AGE_BANDS = ("under 18", "18-25", "25-35", "35-45", "45-55", "55+")
ALERT_WARNING_THRESHOLD = 5  # more alerts than this in a day puts a warning on top

TOTALS = """
select
    count(*) as rides,
    count(distinct user_id) as riders,
    coalesce(sum(duration_s), 0) as total_duration_s,
    coalesce(sum(energy_kj), 0) as total_energy_kj,
    sum(avg_power * seconds_recorded) / nullif(sum(seconds_recorded), 0) as avg_power,
    max(max_power) as max_power,
    sum(avg_heart_rate * heart_rate_seconds) / nullif(sum(heart_rate_seconds), 0)
        as avg_heart_rate,
    max(max_heart_rate) as max_heart_rate,
    count(*) filter (where exceeded_hr_limit) as rides_over_limit
from marts.bike_rides
where started_at >= %(start)s and started_at < %(end)s
"""

LATEST_PER_RIDER = """
select distinct on (user_id) user_id, coalesce(gender, 'unknown') as gender, age_band
from marts.bike_rides
where started_at >= %(start)s and started_at < %(end)s
order by user_id, started_at desc
"""

RIDES = """
select ride_id, bike_id, user_id, rider_name, gender, age, started_at, duration_s,
    avg_power, max_heart_rate, hr_limit, exceeded_hr_limit
from marts.bike_rides
where started_at >= %(start)s and started_at < %(end)s
order by started_at
"""

ALERTS = """
select ride_id, rider_name, bike_id, age, hr_limit, max_heart_rate, first_exceeded_at, sent_at,
    delivery
from raw.bikes_hr_alerts
where sent_at >= %(start)s and sent_at < %(end)s
order by sent_at
"""


@dataclass
class DailySummary:
    day: date
    start: datetime
    end: datetime
    totals: dict[str, Any]
    by_gender: dict[str, int]
    by_age_band: dict[str, int]
    rides: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def warning(self) -> bool:
        return len(self.alerts) > ALERT_WARNING_THRESHOLD


def daily_summary(dsn: str, end: datetime) -> DailySummary:
    """The 24 hours before `end` (timezone-aware); `day` is end's local date."""
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    window = {"start": end - timedelta(hours=24), "end": end}
    with (
        psycopg2.connect(dsn) as db,
        db.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur,
    ):
        cur.execute(TOTALS, window)
        totals = {k: _plain(v) for k, v in cur.fetchone().items()}
        cur.execute(LATEST_PER_RIDER, window)
        riders = cur.fetchall()
        cur.execute(RIDES, window)
        rides = [{k: _plain(v) for k, v in row.items()} for row in cur.fetchall()]
        cur.execute("select to_regclass('raw.bikes_hr_alerts') is not null as present")
        alerts: list[dict[str, Any]] = []
        if cur.fetchone()["present"]:
            cur.execute(ALERTS, window)
            alerts = [{k: _plain(v) for k, v in row.items()} for row in cur.fetchall()]
    db.close()
    by_gender: dict[str, int] = {}
    by_band = dict.fromkeys(AGE_BANDS, 0)
    for rider in riders:
        by_gender[rider["gender"]] = by_gender.get(rider["gender"], 0) + 1
        by_band[rider["age_band"]] += 1
    return DailySummary(
        day=end.date(),
        start=window["start"],
        end=end,
        totals=totals,
        by_gender=dict(sorted(by_gender.items())),
        by_age_band=by_band,
        rides=rides,
        alerts=alerts,
    )


def _plain(value: Any) -> Any:
    """Decimal → float so templates and JSON treat every number alike."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value
