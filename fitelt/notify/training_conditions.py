"""Which training alerts hold for each athlete today: load ratios and silent sources.

Load conditions are read from the athlete's latest row of marts.training_load_daily on or
before their `today` (the mart runs up to today, rest days included):

* `acwr_high`: the rolling `acwr` above the maximum. It is null during the 28-day warm-up (and
  while the chronic load is 0): no alert then;
* `tsb_low`: `tsb` (form going into the day) below the minimum;
* `ramp_high`: `ramp_rate` (CTL change over 7 days) above the maximum.

Silent sources, counted in whole local days (the athlete's time zone) up to `today`:

* `weighin_silent`: the athlete has weigh-ins (raw.withings_measures, measure `weight_kg`) and
  the latest is at least FITELT_ALERT_WEIGHIN_SILENT_DAYS days old;
* `strava_silent`: the athlete has Strava activities (raw.strava_activities) and the last
  *sync* that brought any of them is at least FITELT_ALERT_STRAVA_SILENT_DAYS days old. "Synced"
  is the commit time (raw._dlt_loads.inserted_at) of the newest dlt load that wrote one of the
  athlete's rows. A sync re-reads (and so rewrites) the activities of the last 14 days, so the
  time moves with every successful sync while the athlete trains; it stands still when the
  sync fails, the grant is revoked, or the athlete has recorded nothing for a while.

Every table is optional: one that does not exist yet contributes no condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fitelt.notify.alert_settings import AlertThresholds

ALERTS = ("acwr_high", "tsb_low", "ramp_high", "weighin_silent", "strava_silent")

ATHLETES = """
with known as (
    {sources}
)
select known.athlete_id, coalesce(a.timezone, %(default_tz)s) as timezone
from (select distinct athlete_id from known) as known
left join raw.athletes as a on a.athlete_id = known.athlete_id
order by known.athlete_id
"""

LATEST_LOAD = """
select day, acwr, tsb, ramp_rate
from marts.training_load_daily
where athlete_id = %(athlete)s and day <= %(today)s
order by day desc
limit 1
"""

LAST_WEIGHIN = """
select max((measured_at at time zone timezone)::date)
from raw.withings_measures
where athlete_id = %(athlete)s and measure_name = 'weight_kg' and value is not null
"""

LAST_STRAVA_SYNC = """
select max(l.inserted_at)
from raw.strava_activities as s
inner join raw._dlt_loads as l on s._dlt_load_id = l.load_id
where s.athlete_id = %(athlete)s and l.status = 0
"""


@dataclass(frozen=True)
class Condition:
    """One alert that holds: `value` crossed `threshold`, seen on `as_of` (a data day)."""

    athlete_id: str
    alert: str
    day: date  # the athlete's today: at most one message per (athlete, alert, day)
    as_of: date
    value: float
    threshold: float


def _exists(cur, relation: str) -> bool:
    cur.execute("select to_regclass(%s) is not null", (relation,))
    return bool(cur.fetchone()[0])


def athletes_to_check(cur, default_tz: str) -> list[tuple[str, str]]:
    """(athlete_id, time zone) of every athlete with training load, weigh-ins or Strava rows."""
    tables = [
        t for t in ("marts.training_load_daily", "raw.withings_measures", "raw.strava_activities")
        if _exists(cur, t)
    ]  # fmt: skip
    if not tables:
        return []
    # Table names from the constant tuple above: no input reaches the SQL.
    sources = " union all ".join(f"select athlete_id::text from {t}" for t in tables)  # noqa: S608
    if not _exists(cur, "raw.athletes"):  # a warehouse not bootstrapped by this version
        cur.execute(
            f"select distinct athlete_id, %(tz)s from ({sources}) as k order by 1",  # noqa: S608
            {"tz": default_tz},
        )
        return list(cur.fetchall())
    cur.execute(ATHLETES.format(sources=sources), {"default_tz": default_tz})
    return list(cur.fetchall())


def local_today(timezone: str, today: date | None) -> date:
    return today if today is not None else datetime.now(ZoneInfo(timezone)).date()


def conditions_for(
    cur, athlete_id: str, timezone: str, today: date, limits: AlertThresholds
) -> list[Condition]:
    """The alerts that hold for one athlete on `today`."""
    found: list[Condition] = []
    params = {"athlete": athlete_id, "today": today}

    def hold(alert: str, as_of: date, value: float, threshold: float) -> None:
        found.append(Condition(athlete_id, alert, today, as_of, float(value), float(threshold)))

    if _exists(cur, "marts.training_load_daily"):
        cur.execute(LATEST_LOAD, params)
        row = cur.fetchone()
        if row is not None:
            day, acwr, tsb, ramp = row
            if acwr is not None and acwr > limits.acwr_max:
                hold("acwr_high", day, acwr, limits.acwr_max)
            if tsb is not None and tsb < limits.tsb_min:
                hold("tsb_low", day, tsb, limits.tsb_min)
            if ramp is not None and ramp > limits.ramp_max:
                hold("ramp_high", day, ramp, limits.ramp_max)
    if _exists(cur, "raw.withings_measures"):
        cur.execute(LAST_WEIGHIN, params)
        last = cur.fetchone()[0]
        if last is not None and (today - last).days >= limits.weighin_silent_days:
            hold("weighin_silent", last, (today - last).days, limits.weighin_silent_days)
    if _exists(cur, "raw.strava_activities") and _exists(cur, "raw._dlt_loads"):
        cur.execute(LAST_STRAVA_SYNC, params)
        synced = cur.fetchone()[0]
        if synced is not None:
            last = synced.astimezone(ZoneInfo(timezone)).date()
            if (today - last).days >= limits.strava_silent_days:
                hold("strava_silent", last, (today - last).days, limits.strava_silent_days)
    return found
