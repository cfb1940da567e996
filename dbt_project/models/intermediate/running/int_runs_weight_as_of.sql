{#-
    One row per run (marts.activities with sport 'running': every run counted once, whether it
    came from Strava, an activity file or both) with pace, speed, the athlete's weight as of
    the run (latest weigh-in at or before the start instant), a weight-normalised pace and the
    previous run's values, over the athlete's whole history. activity_id is
    activities.activity_number: the Strava activity id when the run has one (as before activity
    files), else a negative number derived from activities.activity_id. The values are those of
    the run's chosen (best-detailed) version.

    pace_min_per_km  = moving_time_s / 60 / distance_km    (null for 0 km or 0 s)
    speed_kmh        = distance_km × 3600 / moving_time_s  (null for 0 s)
    weight_normalised_pace_min_per_km = pace_min_per_km × 70 / weight_kg_at_run

    The as-of join is one sort of runs and weigh-ins per athlete (a weigh-in at the start
    instant sorts first, so it counts) instead of a search of every weigh-in per run. The mart
    `runs` picks from here the rows an incremental build rewrites.
-#}
{%- set reference_weight_kg = 70.0 %}

with activities as (
    {{ ref_or_empty('activities', {
        'athlete_id': 'text',
        'activity_number': 'bigint',
        'name': 'text',
        'sport': 'text',
        'sport_type': 'text',
        'started_at': 'timestamptz',
        'started_at_local': 'timestamp',
        'timezone': 'text',
        'distance_m': 'double precision',
        'moving_time_s': 'double precision',
        'elapsed_time_s': 'double precision',
        'elevation_gain_m': 'double precision',
        'avg_heart_rate': 'double precision',
        'max_heart_rate': 'double precision',
    }) }}
),

weigh_ins as (
    select * from {{ ref('int_weigh_ins') }}
),

runs as (
    select
        athlete_id,
        activity_number as activity_id,
        name as activity_name,
        sport_type,
        started_at,
        started_at_local,
        timezone,
        distance_m / 1000.0 as distance_km,
        round(moving_time_s)::bigint as moving_time_s,
        round(elapsed_time_s)::bigint as elapsed_time_s,
        elevation_gain_m,
        avg_heart_rate as average_heartrate,
        max_heart_rate as max_heartrate,
        case
            when distance_m > 0 and round(moving_time_s) > 0
                then round(moving_time_s) / 60.0 / (distance_m / 1000.0)
        end as pace_min_per_km,
        case
            when round(moving_time_s) > 0 then distance_m / 1000.0 * 3600 / round(moving_time_s)
        end as speed_kmh
    from activities
    where sport = 'running'
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
