{#-
    THE ML CONTRACT (read by ml.features / orchestration.forecast_store; keep names and types).
    One row per athlete per ISO week (Monday start) from the athlete's first to last week with a
    weigh-in, weeks without weigh-ins included. Training features are 0 for a week without runs
    or CrossFit; the training-load columns (weekly_trimp, weekly_load, ctl_end, atl_end) come from
    training_load_daily and are 0 before the athlete's first training day; the targets are next calendar week's mean minus this week's, null when either
    week has no weigh-in.
-#}
{#- A refresh of one source on a new warehouse (its job rebuilds everything downstream) can
    reach this model before another source's mart exists: ref_or_empty reads it as empty. -#}
with body_weeks as (
    {{ ref_or_empty('body_weekly', {
        'athlete_id': 'text',
        'week_start': 'date',
        'weight_kg_mean': 'double precision',
        'fat_ratio_pct_mean': 'double precision',
    }) }}
),

running_weeks as (
    {{ ref_or_empty('running_weekly', {
        'athlete_id': 'text',
        'week_start': 'date',
        'distance_km': 'double precision',
        'moving_time_h': 'double precision',
    }) }}
),

sessions as (
    {{ ref_or_empty('crossfit_sessions', {
        'athlete_id': 'text',
        'week_start': 'date',
        'tonnage_kg': 'double precision',
        'weighted_reps': 'numeric',
    }) }}
),

load_days as (
    {{ ref_or_empty('training_load_daily', {
        'athlete_id': 'text',
        'day': 'date',
        'trimp': 'double precision',
        'daily_load': 'double precision',
        'ctl': 'double precision',
        'atl': 'double precision',
    }) }}
),

load_weeks as (
    select
        athlete_id,
        date_trunc('week', day)::date as week_start,
        sum(trimp) as weekly_trimp,
        sum(daily_load) as weekly_load,
        (array_agg(ctl order by day desc))[1] as ctl_end,
        (array_agg(atl order by day desc))[1] as atl_end
    from load_days
    group by athlete_id, date_trunc('week', day)::date
),

last_load_weeks as (
    -- training_load_daily has every day from the first training day to today: a week after
    -- its last day (a weigh-in dated later) keeps its last values, a week before has none (0).
    select distinct on (athlete_id)
        athlete_id,
        week_start,
        ctl_end,
        atl_end
    from load_weeks
    order by athlete_id asc, week_start desc
),

crossfit_weeks as (
    select
        athlete_id,
        week_start,
        count(*) as sessions,
        sum(tonnage_kg) as tonnage_kg,
        sum(weighted_reps) as weighted_reps
    from sessions
    group by athlete_id, week_start
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
        as fat_ratio_pct_change_next_week,
    coalesce(load_weeks.weekly_trimp, 0)::double precision as weekly_trimp,
    coalesce(load_weeks.weekly_load, 0)::double precision as weekly_load,
    coalesce(load_weeks.ctl_end, last_load_weeks.ctl_end, 0)::double precision as ctl_end,
    coalesce(load_weeks.atl_end, last_load_weeks.atl_end, 0)::double precision as atl_end
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
left join load_weeks
    on
        calendar.athlete_id = load_weeks.athlete_id
        and calendar.week_start = load_weeks.week_start
left join last_load_weeks
    on
        calendar.athlete_id = last_load_weeks.athlete_id
        and calendar.week_start > last_load_weeks.week_start
