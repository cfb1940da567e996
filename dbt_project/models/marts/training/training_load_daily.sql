{#-
    One row per athlete per local day, every day from the athlete's first run or CrossFit
    session up to today (FITELT_DEFAULT_TIMEZONE; the var `as_of_date` pins it), with the day's
    training load and its acute/chronic rolling means.

    run_load      = Σ moving minutes × (average_heartrate / 150 if known, else 1)
    crossfit_load = tonnage_kg / 100 + total reps / 10
    daily_load    = run_load + crossfit_load
    acute_load_7d = Σ daily_load over [day-6, day] / 7; chronic_load_28d likewise over 28 days
    (days before the first activity count as 0); acwr = acute / chronic, null when chronic = 0.
-#}
{%- set as_of_date = var('as_of_date', none) %}
{%- set reference_heartrate = 150.0 %}

{#- A refresh of one source on a new warehouse (its job rebuilds everything downstream) can
    reach this model before the other source's mart exists: ref_or_empty reads it as empty. -#}
with runs as (
    {{ ref_or_empty('runs', {
        'athlete_id': 'text',
        'run_day': 'date',
        'moving_time_s': 'bigint',
        'average_heartrate': 'double precision',
    }) }}
),

sessions as (
    {{ ref_or_empty('crossfit_sessions', {
        'athlete_id': 'text',
        'session_date': 'date',
        'total_reps': 'bigint',
        'tonnage_kg': 'double precision',
    }) }}
),

run_days as (
    select
        athlete_id,
        run_day as day,
        count(*) as runs,
        coalesce(sum(moving_time_s), 0) / 60.0 as run_moving_min,
        coalesce(
            sum(
                moving_time_s / 60.0
                * coalesce(average_heartrate / {{ reference_heartrate }}, 1)
            ),
            0
        ) as run_load
    from runs
    group by athlete_id, run_day
),

crossfit_days as (
    select
        athlete_id,
        session_date as day,
        total_reps as crossfit_reps,
        tonnage_kg as crossfit_tonnage_kg,
        tonnage_kg / 100.0 + total_reps / 10.0 as crossfit_load
    from sessions
),

today as (
    select
        {% if as_of_date -%}
            '{{ as_of_date }}'::date
        {%- else -%}
            (now() at time zone '{{ local_timezone() }}')::date
        {%- endif %} as day
),

athlete_span as (
    select
        athlete_id,
        min(day) as first_day,
        max(day) as last_day
    from (
        select
            athlete_id,
            day
        from run_days
        union all
        select
            athlete_id,
            day
        from crossfit_days
    ) as activity_days
    group by athlete_id
),

calendar as (
    select
        athlete_span.athlete_id,
        days.day::date as day
    from athlete_span
    cross join today
    cross join lateral generate_series(
        athlete_span.first_day::timestamp,
        greatest(athlete_span.last_day, today.day)::timestamp,
        interval '1 day'
    ) as days (day)
),

daily as (
    select
        calendar.athlete_id,
        calendar.day,
        coalesce(run_days.runs, 0) as runs,
        coalesce(run_days.run_moving_min, 0)::double precision as run_moving_min,
        coalesce(run_days.run_load, 0)::double precision as run_load,
        coalesce(crossfit_days.crossfit_reps, 0) as crossfit_reps,
        coalesce(crossfit_days.crossfit_tonnage_kg, 0)::double precision as crossfit_tonnage_kg,
        coalesce(crossfit_days.crossfit_load, 0)::double precision as crossfit_load
    from calendar
    left join run_days
        on
            calendar.athlete_id = run_days.athlete_id
            and calendar.day = run_days.day
    left join crossfit_days
        on
            calendar.athlete_id = crossfit_days.athlete_id
            and calendar.day = crossfit_days.day
),

rolling as (
    select
        *,
        run_load + crossfit_load as daily_load,
        sum(run_load + crossfit_load) over last_7_days / 7 as acute_load_7d,
        sum(run_load + crossfit_load) over last_28_days / 28 as chronic_load_28d
    from daily
    window
        last_7_days as (
            partition by athlete_id order by day
            range between interval '6 days' preceding and current row
        ),
        last_28_days as (
            partition by athlete_id order by day
            range between interval '27 days' preceding and current row
        )
)

select
    athlete_id,
    day,
    runs,
    run_moving_min,
    run_load,
    crossfit_reps,
    crossfit_tonnage_kg,
    crossfit_load,
    daily_load,
    acute_load_7d,
    chronic_load_28d,
    acute_load_7d / nullif(chronic_load_28d, 0) as acwr
from rolling
