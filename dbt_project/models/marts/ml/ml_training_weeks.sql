{#-
    THE ML CONTRACT (read by ml.features / orchestration.forecast_store; keep names and types).
    One row per athlete per ISO week (Monday start) from the athlete's first to last week with a
    weigh-in, weeks without weigh-ins included. Training features are 0 for a week without runs
    or CrossFit; the targets are next calendar week's mean minus this week's, null when either
    week has no weigh-in.
-#}
{#- A refresh of one source on a new warehouse (its job rebuilds everything downstream) can
    reach this model before another source's mart exists: read it as empty then. -#}
{%- set body_mart = ref('body_weekly') %}
{%- set running_mart = ref('running_weekly') %}
{%- set sessions_mart = ref('crossfit_sessions') %}
-- noqa: disable=TMP
{% set check_inputs = execute and model.resource_type != 'unit_test' %}
{% set has_body = not check_inputs or load_relation(body_mart) is not none %}
{% set has_running = not check_inputs or load_relation(running_mart) is not none %}
{% set has_sessions = not check_inputs or load_relation(sessions_mart) is not none %}
-- noqa: enable=TMP

with body_weeks as (
    {% if has_body -%}
        select
            athlete_id,
            week_start,
            weight_kg_mean,
            fat_ratio_pct_mean
        from {{ body_mart }}
    {%- else -%}
        select
            null::text as athlete_id,
            null::date as week_start,
            null::double precision as weight_kg_mean,
            null::double precision as fat_ratio_pct_mean
        where false
    {%- endif %}
),

running_weeks as (
    {% if has_running -%}
        select
            athlete_id,
            week_start,
            distance_km,
            moving_time_h
        from {{ running_mart }}
    {%- else -%}
        select
            null::text as athlete_id,
            null::date as week_start,
            null::double precision as distance_km,
            null::double precision as moving_time_h
        where false
    {%- endif %}
),

crossfit_weeks as (
    {% if has_sessions -%}
        select
            athlete_id,
            week_start,
            count(*) as sessions,
            sum(tonnage_kg) as tonnage_kg,
            sum(weighted_reps) as weighted_reps
        from {{ sessions_mart }}
        group by athlete_id, week_start
    {%- else -%}
        select
            null::text as athlete_id,
            null::date as week_start,
            null::bigint as sessions,
            null::double precision as tonnage_kg,
            null::numeric as weighted_reps
        where false
    {%- endif %}
),

athlete_span as (
    select
        athlete_id,
        min(week_start) as first_week,
        max(week_start) as last_week
    from body_weeks
    group by athlete_id
),

calendar as (
    select
        athlete_span.athlete_id,
        weeks.week_start::date as week_start
    from athlete_span
    cross join lateral generate_series(
        athlete_span.first_week::timestamp,
        athlete_span.last_week::timestamp,
        interval '7 days'
    ) as weeks (week_start)
)

select
    calendar.athlete_id,
    calendar.week_start,
    coalesce(running_weeks.distance_km, 0)::double precision as run_distance_km,
    coalesce(running_weeks.moving_time_h, 0)::double precision as run_time_h,
    coalesce(crossfit_weeks.sessions, 0)::int as crossfit_sessions,
    coalesce(
        crossfit_weeks.tonnage_kg / nullif(crossfit_weeks.weighted_reps, 0), 0
    )::double precision as avg_weight_per_rep_kg,
    this_week.weight_kg_mean::double precision as weight_kg_mean,
    this_week.fat_ratio_pct_mean::double precision as fat_ratio_pct_mean,
    (next_week.weight_kg_mean - this_week.weight_kg_mean)::double precision
        as weight_change_next_week,
    (next_week.fat_ratio_pct_mean - this_week.fat_ratio_pct_mean)::double precision
        as fat_ratio_pct_change_next_week
from calendar
left join body_weeks as this_week
    on
        calendar.athlete_id = this_week.athlete_id
        and calendar.week_start = this_week.week_start
left join body_weeks as next_week
    on
        calendar.athlete_id = next_week.athlete_id
        and next_week.week_start = calendar.week_start + 7
left join running_weeks
    on
        calendar.athlete_id = running_weeks.athlete_id
        and calendar.week_start = running_weeks.week_start
left join crossfit_weeks
    on
        calendar.athlete_id = crossfit_weeks.athlete_id
        and calendar.week_start = crossfit_weeks.week_start
