{#-
    One row per athlete per ISO week (Monday start, local days of the runs) from the week of the
    athlete's first run up to the current week: weeks without runs are present with zeros.
    "Current week" is the week of today in FITELT_DEFAULT_TIMEZONE (or of the athlete's last
    run if later); the var `as_of_date` (YYYY-MM-DD) pins "today" (unit tests).
-#}
{%- set as_of_date = var('as_of_date', none) %}

with runs as (
    select * from {{ ref('runs') }}
),

athlete_span as (
    select
        athlete_id,
        min(week_start) as first_week,
        max(week_start) as last_week
    from runs
    group by athlete_id
),

current_week as (
    select
        date_trunc(
            'week',
            {% if as_of_date -%}
                '{{ as_of_date }}'::timestamp
            {%- else -%}
                now() at time zone '{{ local_timezone() }}'
            {%- endif %}
        )::date as week_start
),

calendar as (
    select
        athlete_span.athlete_id,
        weeks.week_start::date as week_start
    from athlete_span
    cross join current_week
    cross join lateral generate_series(
        athlete_span.first_week::timestamp,
        greatest(athlete_span.last_week, current_week.week_start)::timestamp,
        interval '7 days'
    ) as weeks (week_start)
),

weekly as (
    select
        athlete_id,
        week_start,
        count(*) as runs,
        coalesce(sum(distance_km), 0) as distance_km,
        coalesce(sum(moving_time_s), 0) / 3600.0 as moving_time_h,
        coalesce(sum(elevation_gain_m), 0) as elevation_m
    from runs
    group by athlete_id, week_start
)

select
    calendar.athlete_id,
    calendar.week_start,
    extract(isoyear from calendar.week_start)::int as iso_year,
    extract(week from calendar.week_start)::int as iso_week,
    coalesce(weekly.runs, 0) as runs,
    coalesce(weekly.distance_km, 0)::double precision as distance_km,
    coalesce(weekly.moving_time_h, 0)::double precision as moving_time_h,
    coalesce(weekly.elevation_m, 0)::double precision as elevation_m
from calendar
left join weekly
    on
        calendar.athlete_id = weekly.athlete_id
        and calendar.week_start = weekly.week_start
