"""SQL behind the read API (`api.py`). Parameterised statements only; rows come back as dicts.

Rides, riders and days read the marts (`marts.bike_rides`, `marts.bike_riders`, refreshed by
`live_marts`); the `live` endpoints read the raw tables the streams write within seconds.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg2.extensions import cursor as Cursor

from dlt_sources.bikes.deleted import record_deleted
from fitelt.notify.alert_settings import hr_limit_sql

RIDE_COLUMNS = """ride_id, bike_id, user_id, rider_name, gender, age, age_band, started_at,
    ride_day, last_second_at, duration_s, seconds_recorded, avg_heart_rate, max_heart_rate,
    avg_power, max_power, avg_rpm, avg_resistance, energy_kj, hr_limit, exceeded_hr_limit,
    alert_sent_at"""

RIDE = f"select {RIDE_COLUMNS} from marts.bike_rides where ride_id = %s"  # noqa: S608
RIDER_RIDES = (
    f"select {RIDE_COLUMNS} from marts.bike_rides where user_id = %s order by started_at desc"  # noqa: S608
)
DAY_RIDES = (
    f"select {RIDE_COLUMNS} from marts.bike_rides "  # noqa: S608
    "where started_at >= %s and started_at < %s order by started_at"
)
RIDER = """
select
    r.user_id, r.name, r.gender, r.date_of_birth, r.age, r.age_band, r.hr_limit,
    r.height_cm, r.weight_kg,
    count(b.ride_id) as number_of_rides,
    sum(b.avg_heart_rate * b.heart_rate_seconds) / nullif(sum(b.heart_rate_seconds), 0)
        as average_heart_rate,
    max(b.max_heart_rate) as max_heart_rate,
    sum(b.duration_s) as total_duration_s,
    max(b.started_at) as last_ride_at
from marts.bike_riders as r
left join marts.bike_rides as b on r.user_id = b.user_id
where r.user_id = %s
group by r.user_id, r.name, r.gender, r.date_of_birth, r.age, r.age_band, r.hr_limit,
    r.height_cm, r.weight_kg
"""

LIVE_SENSORS = """
with recent as (
    select distinct on (person_id, sensor_id) person_id, sensor_id, value, anomaly, polled_at,
        trace_id
    from raw.foot_sensor_readings
    where polled_at > now() - make_interval(secs => %(within)s)
    order by person_id, sensor_id, polled_at desc
),
anomalies as (
    select person_id, count(*) as anomalies_last_5_min
    from raw.foot_sensor_anomalies
    where polled_at > now() - interval '5 minutes'
    group by person_id
)
select
    p.person_id, trim(p.firstname || ' ' || p.lastname) as name, p.birth_year, p.disabled,
    p.trace_name, max(recent.trace_id) as trace_id, max(recent.polled_at) as polled_at,
    json_agg(json_build_object('id', recent.sensor_id, 'value', recent.value,
        'anomaly', recent.anomaly) order by recent.sensor_id) as sensors,
    coalesce(max(anomalies.anomalies_last_5_min), 0) as anomalies_last_5_min
from recent
inner join raw.foot_sensor_persons as p on recent.person_id = p.person_id
left join anomalies on recent.person_id = anomalies.person_id
group by p.person_id, p.firstname, p.lastname, p.birth_year, p.disabled, p.trace_name
order by p.person_id
"""

LIVE_RIDES = """
select
    r.ride_id, r.bike_id, r.user_id, u.name as rider_name, u.gender,
    extract(year from age(r.started_at::date, u.date_of_birth))::int as age,
    {limit} as hr_limit,
    r.started_at, r.last_second_at, r.duration_s, r.avg_heart_rate, r.max_heart_rate,
    r.avg_power, s.heart_rate, s.rpm, s.power, s.resistance
from raw.bikes_rides as r
inner join raw.bikes_riders as u on r.user_id = u.user_id
left join raw.bikes_ride_seconds as s
    on r.ride_id = s.ride_id and s.duration_s = r.duration_s
where r.last_second_at > now() - make_interval(secs => %(within)s)
order by r.bike_id
"""

# Deleting a ride: its seconds, its summary, its alert, and its rows in the marts.
DELETE_TABLES = (
    "raw.bikes_ride_seconds",
    "raw.bikes_hr_alerts",
    "raw.bikes_rides",
    "marts.bike_rides",
)


def rows(cur: Cursor) -> list[dict[str, Any]]:
    names = [column.name for column in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def ride(cur: Cursor, ride_id: int) -> dict[str, Any] | None:
    cur.execute(RIDE, (ride_id,))
    found = rows(cur)
    return found[0] if found else None


def rider(cur: Cursor, user_id: int) -> dict[str, Any] | None:
    cur.execute(RIDER, (user_id,))
    found = rows(cur)
    return found[0] if found else None


def rider_rides(cur: Cursor, user_id: int) -> list[dict[str, Any]]:
    cur.execute(RIDER_RIDES, (user_id,))
    return rows(cur)


def day_rides(cur: Cursor, day: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    cur.execute(DAY_RIDES, (start, end))
    return rows(cur)


def delete_ride(cur: Cursor, ride_id: int) -> int:
    """Delete the ride everywhere (one transaction, the caller commits); rows removed."""
    from psycopg2 import sql

    removed = 0
    for table in DELETE_TABLES:
        cur.execute("select to_regclass(%s) is not null", (table,))
        if not cur.fetchone()[0]:
            continue
        schema, name = table.split(".")
        cur.execute(
            sql.SQL("delete from {}.{} where ride_id = %s").format(
                sql.Identifier(schema), sql.Identifier(name)
            ),
            (ride_id,),
        )
        removed += cur.rowcount
    if removed:
        record_deleted(cur, ride_id)  # later lines of a ride still going on stay out
    return removed


def live_sensors(cur: Cursor, within_s: float) -> list[dict[str, Any]]:
    cur.execute(LIVE_SENSORS, {"within": within_s})
    return rows(cur)


def live_rides(cur: Cursor, within_s: float) -> list[dict[str, Any]]:
    age = "extract(year from age(r.started_at::date, u.date_of_birth))::int"
    cur.execute(LIVE_RIDES.format(limit=hr_limit_sql(age)), {"within": within_s})
    return rows(cur)
