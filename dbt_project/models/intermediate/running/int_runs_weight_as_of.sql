{#-
    One row per run (stg_strava__activities.is_run: Run, TrailRun, VirtualRun) with pace,
    speed, the athlete's weight as of the run (latest weigh-in at or before the start instant),
    a weight-normalised pace and the previous run's values, over the athlete's whole history.

    pace_min_per_km  = moving_time_s / 60 / distance_km    (null for 0 km or 0 s)
    speed_kmh        = distance_km × 3600 / moving_time_s  (null for 0 s)
    weight_normalised_pace_min_per_km = pace_min_per_km × 70 / weight_kg_at_run

    The as-of join is one sort of runs and weigh-ins per athlete (a weigh-in at the start
    instant sorts first, so it counts) instead of a search of every weigh-in per run. The mart
    `runs` picks from here the rows an incremental build rewrites.
-#}
{%- set reference_weight_kg = 70.0 %}

with activities as (
    {{ ref_or_empty('stg_strava__activities', {
        'athlete_id': 'text',
        'activity_id': 'bigint',
        'activity_name': 'text',
        'sport_type': 'text',
        'is_run': 'boolean',
        'started_at': 'timestamptz',
        'started_at_local': 'timestamp',
        'timezone': 'text',
        'distance_km': 'double precision',
        'moving_time_s': 'bigint',
        'elapsed_time_s': 'bigint',
        'elevation_gain_m': 'double precision',
        'average_heartrate': 'double precision',
        'max_heartrate': 'double precision',
    }) }}
),

weigh_ins as (
    select * from {{ ref('int_weigh_ins') }}
),

runs as (
    select
        athlete_id,
        activity_id,
        activity_name,
        sport_type,
        started_at,
        coalesce(started_at_local, started_at at time zone coalesce(timezone, 'UTC'))
            as started_at_local,
        timezone,
        distance_km,
        moving_time_s,
        elapsed_time_s,
        elevation_gain_m,
        average_heartrate,
        max_heartrate,
        case
            when distance_km > 0 and moving_time_s > 0
                then moving_time_s / 60.0 / distance_km
        end as pace_min_per_km,
        case
            when moving_time_s > 0 then distance_km * 3600 / moving_time_s
        end as speed_kmh
    from activities
    where is_run
),

{# Runs and weigh-ins on one time line per athlete: a run's as-of weigh-in is the latest
    weigh-in before it in (instant, weigh-in first) order. #}
timeline as (
    select
        athlete_id,
        activity_id,
        started_at as at,
        1 as is_run
    from runs
    where started_at is not null

    union all

    select
        athlete_id,
        null as activity_id,
        measured_at as at,
        0 as is_run
    from weigh_ins
),

as_of as (
    select
        athlete_id,
        activity_id,
        is_run,
        max(case when is_run = 0 then at end) over (
            partition by athlete_id
            order by at asc, is_run asc
            rows between unbounded preceding and current row
        ) as weighed_at
    from timeline
),

weighed as (
    select
        runs.*,
        weigh_ins.weight_kg as weight_kg_at_run,
        as_of.weighed_at
    from runs
    left join as_of
        on
            runs.athlete_id = as_of.athlete_id
            and runs.activity_id = as_of.activity_id
            and as_of.is_run = 1
    left join weigh_ins
        on
            as_of.athlete_id = weigh_ins.athlete_id
            and as_of.weighed_at = weigh_ins.measured_at
)

select
    athlete_id,
    activity_id,
    activity_name,
    sport_type,
    started_at,
    started_at_local,
    timezone,
    started_at_local::date as run_day,
    date_trunc('week', started_at_local)::date as week_start,
    distance_km,
    moving_time_s,
    elapsed_time_s,
    elevation_gain_m,
    average_heartrate,
    max_heartrate,
    pace_min_per_km,
    speed_kmh,
    weight_kg_at_run,
    weighed_at,
    pace_min_per_km * {{ reference_weight_kg }} / weight_kg_at_run
        as weight_normalised_pace_min_per_km,
    lag(activity_id) over previous_run as previous_activity_id,
    lag(distance_km) over previous_run as previous_distance_km,
    lag(pace_min_per_km) over previous_run as previous_pace_min_per_km,
    lag(speed_kmh) over previous_run as previous_speed_kmh
from weighed
window previous_run as (partition by athlete_id order by started_at, activity_id)
