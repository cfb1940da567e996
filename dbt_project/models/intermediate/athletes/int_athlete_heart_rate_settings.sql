{#- One row per athlete in the registry (raw.athletes) or with an activity: the heart-rate
    settings TRIMP and the zones are computed with, each with the basis it came from.

    max_heart_rate: the athlete's setting (fitelt athlete set --max-hr); else the highest
        max_heart_rate of any activity version started in the 12 months before as_of_day();
        else Tanaka, 208 - 0.7 × age (age = this year - birth year); else the highest ever
        recorded; else null (no TRIMP: activities fall back to duration × factor).
    resting_heart_rate: the setting; else the median of marts.wellness_daily.resting_hr over the
        athlete's last 30 days that have one, up to as_of_day() (Apple Health's resting heart
        rate, else Oura's lowest of the night), rounded to whole bpm (halves up: activities'
        TRIMP is recomputed when the value changes, not for a fraction of a beat); else 60 bpm.
    trimp_k, trimp_b: Banister's coefficients, 0.86 / 1.67 for women, 0.64 / 1.92 for men and
        for an athlete whose sex is not set (the original, male-derived model; flagged). -#}
with registry as (
    {{ source_or_empty('fitelt', 'athletes', {
        'athlete_id': 'text',
        'sex': 'text',
        'birth_year': 'integer',
        'max_hr': 'smallint',
        'resting_hr': 'smallint',
        'threshold_hr': 'smallint',
    }) }}
),

wellness as (
    {{ ref_or_empty('wellness_daily', {
        'athlete_id': 'text',
        'day': 'date',
        'resting_hr': 'double precision',
    }) }}
),

wellness_resting as (
    select
        athlete_id,
        round(
            (percentile_cont(0.5) within group (order by resting_hr))::numeric
        ) as median_last_30_days
    from (
        select
            athlete_id,
            resting_hr,
            row_number() over (partition by athlete_id order by day desc) as recency
        from wellness
        where resting_hr is not null and day <= {{ as_of_day() }}
    ) as ranked
    where recency <= 30
    group by athlete_id
),

observed as (
    select
        athlete_id,
        max(max_heart_rate) filter (
            where started_at >= ({{ as_of_day() }} - interval '12 months')
        ) as highest_last_12_months,
        max(max_heart_rate) as highest_recorded
    from {{ ref('int_activity_versions') }}
    where max_heart_rate > 0
    group by athlete_id
),

athletes as (
    select athlete_id from registry
    union
    select athlete_id from observed
),

settings as (
    select
        athletes.athlete_id,
        registry.sex,
        registry.birth_year,
        registry.max_hr,
        registry.resting_hr,
        registry.threshold_hr,
        observed.highest_last_12_months,
        observed.highest_recorded,
        wellness_resting.median_last_30_days as wellness_resting_hr,
        208 - 0.7 * (extract(year from {{ as_of_day() }}) - registry.birth_year) as tanaka
    from athletes
    left join registry on athletes.athlete_id = registry.athlete_id
    left join observed on athletes.athlete_id = observed.athlete_id
    left join wellness_resting on athletes.athlete_id = wellness_resting.athlete_id
)

select
    athlete_id,
    sex,
    birth_year,
    coalesce(max_hr, highest_last_12_months, tanaka, highest_recorded)::double precision
        as max_heart_rate,
    case
        when max_hr is not null then 'athlete_setting'
        when highest_last_12_months is not null then 'highest_last_12_months'
        when tanaka is not null then 'tanaka'
        when highest_recorded is not null then 'highest_recorded'
    end as max_heart_rate_basis,
    coalesce(resting_hr, wellness_resting_hr, 60)::double precision as resting_heart_rate,
    case
        when resting_hr is not null then 'athlete_setting'
        when wellness_resting_hr is not null then 'wellness_median_30d'
        else 'default_60'
    end as resting_heart_rate_basis,
    threshold_hr::double precision as threshold_heart_rate,
    case when sex = 'female' then 0.86 else 0.64 end::double precision as trimp_k,
    case when sex = 'female' then 1.67 else 1.92 end::double precision as trimp_b,
    case when sex in ('female', 'male') then sex else 'unset: male' end as trimp_coefficients
from settings
