{#-
    One row per athlete per local day, every day from the athlete's first activity or CrossFit
    session up to today (as_of_day()), with the day's training load and the field's standard
    load models over it. Formulas (stated in full in the yml):

    daily_load = activity_load + crossfit_load (activities' TRIMP-scale load, CrossFit scaled
                 to the athlete's median TRIMP)
    ctl, atl   = exponential averages of daily_load, 42 and 7 days:
                 x_d = x_(d-1) + (daily_load_d - x_(d-1)) / N, from 0 the day before the first row
    tsb        = ctl_(d-1) - atl_(d-1) (form going into the day; 0 on the first row)
    ramp_rate  = ctl_d - ctl_(d-7) (ctl before the first row is 0)
    acwr       = acute_load_7d / chronic_load_28d (rolling means), null until 28 days of history
    acwr_ewma  = EWMA(λ = 2/8) / EWMA(λ = 2/29) (Williams et al. 2017), same warm-up
-#}
{%- set warm_up_days = 28 %}
with activities as (
    {{ ref_or_empty('activities', {
        'athlete_id': 'text',
        'activity_day': 'date',
        'sport': 'text',
        'sport_type': 'text',
        'moving_time_s': 'double precision',
        'trimp': 'double precision',
        'load': 'double precision',
    }) }}
),

sessions as (
    {{ ref_or_empty('crossfit_sessions', {
        'athlete_id': 'text',
        'session_date': 'date',
        'total_reps': 'bigint',
        'tonnage_kg': 'double precision',
        'session_rpe_load': 'double precision',
    }) }}
),

crossfit_days as (
    select
        sessions.*,
        coalesce(
            sessions.session_rpe_load,
            sessions.tonnage_kg / 100.0 + sessions.total_reps / 10.0
        ) as crossfit_score,
        case when sessions.session_rpe_load is not null then 'session_rpe' else 'tonnage' end
            as crossfit_load_basis
    from sessions
),

-- A Strava CrossFit or weight-training activity on a day the CrossFit log covers is the
-- same session: the log (sets, RPE) counts, the activity does not.
counted_activities as (
    select activities.*
    from activities
    where not (
        activities.sport_type in ('Crossfit', 'WeightTraining')
        and exists (
            select 1 from crossfit_days
            where
                crossfit_days.athlete_id = activities.athlete_id
                and crossfit_days.session_date = activities.activity_day
        )
    )
),

reference as (
    select
        athlete_id,
        coalesce(
            percentile_cont(0.5) within group (order by trimp) filter (where trimp > 0),
            percentile_cont(0.5) within group (order by load) filter (where load > 0)
        ) as reference_load
    from counted_activities
    group by athlete_id
),

crossfit_scale as (
    select
        crossfit_days.athlete_id,
        crossfit_days.crossfit_load_basis,
        coalesce(
            max(reference.reference_load)
            / nullif(percentile_cont(0.5) within group (order by crossfit_days.crossfit_score), 0),
            1.0
        ) as scale
    from crossfit_days
    left join reference on crossfit_days.athlete_id = reference.athlete_id
    group by crossfit_days.athlete_id, crossfit_days.crossfit_load_basis
),

crossfit_loads as (
    select
        crossfit_days.athlete_id,
        crossfit_days.session_date as day,
        sum(crossfit_days.total_reps) as crossfit_reps,
        sum(crossfit_days.tonnage_kg) as crossfit_tonnage_kg,
        sum(crossfit_days.session_rpe_load) as crossfit_session_rpe,
        sum(crossfit_days.crossfit_score * crossfit_scale.scale) as crossfit_load,
        string_agg(distinct crossfit_days.crossfit_load_basis, ',') as crossfit_load_basis
    from crossfit_days
    inner join crossfit_scale
        on
            crossfit_days.athlete_id = crossfit_scale.athlete_id
            and crossfit_days.crossfit_load_basis = crossfit_scale.crossfit_load_basis
    group by crossfit_days.athlete_id, crossfit_days.session_date
),

activity_loads as (
    select
        athlete_id,
        activity_day as day,
        count(*) filter (where sport = 'running') as runs,
        coalesce(sum(moving_time_s) filter (where sport = 'running'), 0) / 60.0
            as run_moving_min,
        coalesce(sum(load) filter (where sport = 'running'), 0) as run_load,
        coalesce(sum(load), 0) as activity_load,
        sum(trimp) as trimp
    from counted_activities
    group by athlete_id, activity_day
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
        from activity_loads
        union all
        select
            athlete_id,
            day
        from crossfit_loads
    ) as training_days
    group by athlete_id
),

calendar as (
    select
        athlete_span.athlete_id,
        days.day::date as day,
        row_number() over (partition by athlete_span.athlete_id order by days.day)
            as history_days
    from athlete_span
    cross join lateral generate_series(
        athlete_span.first_day::timestamp,
        greatest(athlete_span.last_day, {{ as_of_day() }})::timestamp,
        interval '1 day'
    ) as days (day)
),

daily as (
    select
        calendar.athlete_id,
        calendar.day,
        calendar.history_days,
        coalesce(activity_loads.runs, 0) as runs,
        coalesce(activity_loads.run_moving_min, 0)::double precision as run_moving_min,
        coalesce(activity_loads.run_load, 0)::double precision as run_load,
        coalesce(activity_loads.activity_load, 0)::double precision as activity_load,
        coalesce(activity_loads.trimp, 0)::double precision as trimp,
        coalesce(crossfit_loads.crossfit_reps, 0) as crossfit_reps,
        coalesce(crossfit_loads.crossfit_tonnage_kg, 0)::double precision as crossfit_tonnage_kg,
        crossfit_loads.crossfit_session_rpe::double precision as crossfit_session_rpe,
        coalesce(crossfit_loads.crossfit_load, 0)::double precision as crossfit_load,
        crossfit_loads.crossfit_load_basis,
        (
            coalesce(activity_loads.activity_load, 0) + coalesce(crossfit_loads.crossfit_load, 0)
        )::double precision as daily_load
    from calendar
    left join activity_loads
        on calendar.athlete_id = activity_loads.athlete_id and calendar.day = activity_loads.day
    left join crossfit_loads
        on calendar.athlete_id = crossfit_loads.athlete_id and calendar.day = crossfit_loads.day
),

averaged as (
    select
        *,
        {{ exponential_average('daily_load', '1.0 / 42', 'by_day') }} as ctl,
        {{ exponential_average('daily_load', '1.0 / 7', 'by_day') }} as atl,
        {{ exponential_average('daily_load', '2.0 / (7 + 1)', 'by_day') }} as acute_load_ewma,
        {{ exponential_average('daily_load', '2.0 / (28 + 1)', 'by_day') }}
            as chronic_load_ewma,
        sum(daily_load) over last_7_days / 7 as acute_load_7d,
        sum(daily_load) over last_28_days / 28 as chronic_load_28d
    from daily
    window
        by_day as (
            partition by athlete_id order by day
            rows between unbounded preceding and current row
        ),
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
    history_days,
    runs,
    run_moving_min,
    run_load,
    activity_load,
    trimp,
    crossfit_reps,
    crossfit_tonnage_kg,
    crossfit_session_rpe,
    crossfit_load,
    crossfit_load_basis,
    daily_load,
    ctl,
    atl,
    coalesce(lag(ctl) over by_day, 0) - coalesce(lag(atl) over by_day, 0) as tsb,
    ctl - coalesce(lag(ctl, 7) over by_day, 0) as ramp_rate,
    acute_load_7d,
    chronic_load_28d,
    case
        when history_days >= {{ warm_up_days }} then acute_load_7d / nullif(chronic_load_28d, 0)
    end as acwr,
    acute_load_ewma,
    chronic_load_ewma,
    case
        when history_days >= {{ warm_up_days }}
            then acute_load_ewma / nullif(chronic_load_ewma, 0)
    end as acwr_ewma
from averaged
window by_day as (partition by athlete_id order by day)
