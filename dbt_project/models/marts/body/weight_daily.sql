{#-
    One row per athlete per local day with at least one body measure (weight, fat ratio, fat,
    muscle, bone or water mass): a day with a fat ratio but no weight (Withings allows it) has a
    row with a null weight_kg and measurement_count 0. Several values of a measure in a day are
    averaged.

    Rolling means use calendar windows over the days that have the measure: 7-day =
    [day - 6, day], 30-day = [day - 29, day]; a gap shrinks the window, it never reaches back to
    older rows. A day without a weight gets the mean of the window's weighed days (null when
    the window has none), so it reads "the 7-day mean as of this day" like any other row.

    weight_trend_kg: the exponentially smoothed trend of the Hacker's Diet / TrendWeight,
    α = 0.1 per calendar day, trend_d = trend_(d-1) + α × (v_d − trend_(d-1)), seeded with the
    first weight (trend = w on the first weighed day). v_d is the day's weight, or, on a
    calendar day without one between two weighed days p < d < q, the linear interpolation
    w_p + (w_q − w_p) × (d − p) / (q − p); the smoothing steps through every calendar day. Never
    extrapolated: null before the first and after the last weighed day.

    Computed exactly, with sorts and running sums only (no recursion, no self-join), from the
    unrolled recurrence (k = days since the first weigh-in):
    trend_k = 0.9^k × (w_first + Σ_{j=1..k} 0.1 × v_j × 0.9^(-j)), a running sum in numeric
    (arbitrary precision: 0.9^(-k) has ~500 digits after 30 years, no overflow and no
    cancellation since every term is positive), rounded to double precision at the end.
-#}
{%- set alpha = 0.1 %}
{%- set decay = 1 - alpha %}

with measures as (
    {#- ref_or_empty: an Apple Health job on a new warehouse rebuilds this mart too. #}
    {{ ref_or_empty('stg_withings__measures', {
        'athlete_id': 'text',
        'measured_at': 'timestamptz',
        'measure_name': 'text',
        'value': 'double precision',
        'measured_day': 'date',
    }) }}
    union all
    {#- Apple Health body mass and fat, without Withings' own copies (one weigh-in counts once). #}
    select
        athlete_id,
        measured_at,
        measure_name,
        value,
        measured_day
    from {{ ref('int_apple_health_body_measures') }}
),

daily as (
    select
        athlete_id,
        measured_day as day,
        avg(value) filter (where measure_name = 'weight_kg') as weight_kg,
        avg(value) filter (where measure_name = 'fat_ratio_pct') as fat_ratio_pct,
        avg(value) filter (where measure_name = 'fat_mass_kg') as fat_mass_kg,
        avg(value) filter (where measure_name = 'muscle_mass_kg') as muscle_mass_kg,
        avg(value) filter (where measure_name = 'bone_mass_kg') as bone_mass_kg,
        avg(value) filter (where measure_name = 'hydration_kg') as hydration_kg,
        count(distinct measured_at) filter (where measure_name = 'weight_kg') as measurement_count,
        max(measured_at) as last_measured_at
    from measures
    group by athlete_id, measured_day
),

weighed as (
    select
        athlete_id,
        day,
        weight_kg
    from daily
    where weight_kg is not null
),

{# Every calendar day from an athlete's first to last weigh-in. #}
calendar as (
    select
        spans.athlete_id,
        calendar_days.day::date as day,
        (calendar_days.day::date - spans.first_day) as k
    from (
        select
            athlete_id,
            min(day) as first_day,
            max(day) as last_day
        from weighed
        group by athlete_id
    ) as spans
    cross join lateral generate_series(
        spans.first_day::timestamp, spans.last_day::timestamp, interval '1 day'
    ) as calendar_days (day)
),

{# Groups of days that share the weighed day before (or on) them, and the one after (or on)
    them: counting weighed days forwards and backwards (sorts, no self-join). #}
marked as (
    select
        calendar.athlete_id,
        calendar.day,
        calendar.k,
        weighed.weight_kg,
        count(weighed.day) over forwards as since_group,
        count(weighed.day) over backwards as until_group
    from calendar
    left join weighed
        on
            calendar.athlete_id = weighed.athlete_id
            and calendar.day = weighed.day
    window
        forwards as (partition by calendar.athlete_id order by calendar.day asc),
        backwards as (partition by calendar.athlete_id order by calendar.day desc)
),

bracketed as (
    select
        athlete_id,
        day,
        k,
        first_value(day) over since_weighed as previous_day,
        first_value(weight_kg) over since_weighed as previous_kg,
        first_value(day) over until_weighed as next_day,
        first_value(weight_kg) over until_weighed as next_kg
    from marked
    window
        since_weighed as (partition by athlete_id, since_group order by day asc),
        until_weighed as (partition by athlete_id, until_group order by day desc)
),

interpolated as (
    select
        athlete_id,
        day,
        k,
        case
            when next_day = previous_day then previous_kg
            else
                previous_kg
                + (next_kg - previous_kg)
                * (day - previous_day)
                / (next_day - previous_day)::double precision
        end as value_kg
    from bracketed
),

{# trend_k × 0.9^(-k) = w_first + Σ_{j=1..k} 0.1 × v_j × 0.9^(-j): each day's term. #}
terms as (
    select
        athlete_id,
        day,
        k,
        case
            when k = 0 then value_kg::numeric
            else {{ alpha }} * value_kg::numeric * power({{ decay }}::numeric, -k)
        end as term
    from interpolated
),

trend as (
    select
        athlete_id,
        day,
        (sum(term) over so_far / power({{ decay }}::numeric, -k))::double precision
            as weight_trend_kg
    from terms
    window so_far as (
        partition by athlete_id order by day
        rows between unbounded preceding and current row
    )
),

rolling as (
    select
        *,
        avg(weight_kg) over last_7_days as weight_7d_avg,
        avg(fat_ratio_pct) over last_7_days as fat_ratio_pct_7d_avg,
        avg(weight_kg) over last_30_days as weight_30d_avg
    from daily
    window
        last_7_days as (
            partition by athlete_id order by day
            range between interval '6 days' preceding and current row
        ),
        last_30_days as (
            partition by athlete_id order by day
            range between interval '29 days' preceding and current row
        )
)

select
    rolling.athlete_id,
    rolling.day,
    rolling.weight_kg,
    rolling.fat_ratio_pct,
    rolling.fat_mass_kg,
    rolling.muscle_mass_kg,
    rolling.bone_mass_kg,
    rolling.hydration_kg,
    rolling.measurement_count,
    rolling.last_measured_at,
    rolling.weight_7d_avg,
    rolling.fat_ratio_pct_7d_avg,
    rolling.weight_30d_avg,
    trend.weight_trend_kg
from rolling
left join trend
    on
        rolling.athlete_id = trend.athlete_id
        and rolling.day = trend.day
