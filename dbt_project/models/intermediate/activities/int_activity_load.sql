{#-
    One row per activity (its chosen version in int_activity_groups): heart-rate load and the
    training load marts.activities and marts.training_load_daily use.

    trimp      Banister's TRIMP (macros/training_load.sql): from the chosen version's samples
               (marts.activity_heart_rate) when it has heart rate; else from the version's
               average heart rate over its moving minutes; else null.
    load       trimp when known; else minutes × a TRIMP-per-minute factor for the sport, in
               this order: the median of trimp / minutes over the athlete's activities of the
               same sport family that have both, the same median over all the athlete's
               activities, Banister's TRIMP per minute at the sport's typical heart-rate
               reserve (running 0.60, swimming 0.55, cycling/training/other 0.50, hiking 0.45,
               walking 0.30) with the athlete's coefficients. Minutes = moving time, else
               elapsed time. load_basis says which.
-#}
with chosen as (
    select
        athlete_id,
        activity_id,
        content_sha256,
        activity_sport as sport,
        coalesce(moving_time_s, elapsed_time_s) / 60.0 as minutes,
        avg_heart_rate
    from {{ ref('int_activity_groups') }}
    where is_chosen
),

settings as (
    select * from {{ ref('int_athlete_heart_rate_settings') }}
),

typical_reserve as (
    select * from (
        values
        ('running', 0.60::double precision),
        ('swimming', 0.55),
        ('cycling', 0.50),
        ('training', 0.50),
        ('other', 0.50),
        ('hiking', 0.45),
        ('walking', 0.30)
    ) as reserve_table (sport, heart_rate_reserve)
),

scored as (
    select
        chosen.*,
        settings.trimp_k,
        settings.trimp_b,
        samples.hr_seconds,
        samples.hr_zone1_s,
        samples.hr_zone2_s,
        samples.hr_zone3_s,
        samples.hr_zone4_s,
        samples.hr_zone5_s,
        case
            when samples.hr_seconds > 0 then samples.trimp
            when chosen.avg_heart_rate > 0 and chosen.minutes > 0
                then {{ banister_trimp(
                    'chosen.minutes',
                    heart_rate_reserve(
                        'chosen.avg_heart_rate',
                        'settings.resting_heart_rate',
                        'settings.max_heart_rate',
                    ),
                    'settings.trimp_k',
                    'settings.trimp_b',
                ) }}
        end as trimp,
        case
            when samples.hr_seconds > 0 then 'records'
            when chosen.avg_heart_rate > 0 and chosen.minutes > 0 then 'average_heart_rate'
        end as trimp_source
    from chosen
    left join settings on chosen.athlete_id = settings.athlete_id
    left join {{ ref('activity_heart_rate') }} as samples
        on
            chosen.athlete_id = samples.athlete_id
            and chosen.content_sha256 = samples.content_sha256
),

per_sport as (
    select
        athlete_id,
        sport,
        percentile_cont(0.5) within group (order by trimp / minutes) as trimp_per_min
    from scored
    where trimp is not null and minutes > 0
    group by athlete_id, sport
),

per_athlete as (
    select
        athlete_id,
        percentile_cont(0.5) within group (order by trimp / minutes) as trimp_per_min
    from scored
    where trimp is not null and minutes > 0
    group by athlete_id
)

select
    scored.athlete_id,
    scored.activity_id,
    scored.trimp::double precision as trimp,
    case when scored.trimp is not null then scored.trimp_source end as trimp_source,
    scored.hr_seconds,
    scored.hr_zone1_s,
    scored.hr_zone2_s,
    scored.hr_zone3_s,
    scored.hr_zone4_s,
    scored.hr_zone5_s,
    coalesce(
        scored.trimp,
        scored.minutes * coalesce(
            per_sport.trimp_per_min,
            per_athlete.trimp_per_min,
            {{ banister_trimp(
                '1.0',
                'typical_reserve.heart_rate_reserve',
                'coalesce(scored.trimp_k, 0.64)',
                'coalesce(scored.trimp_b, 1.92)',
            ) }}
        )
    )::double precision as load,
    case
        when scored.trimp is not null then 'trimp'
        when scored.minutes is null then null
        when per_sport.trimp_per_min is not null then 'duration_x_sport_factor'
        when per_athlete.trimp_per_min is not null then 'duration_x_athlete_factor'
        else 'duration_x_default_factor'
    end as load_basis
from scored
left join per_sport
    on scored.athlete_id = per_sport.athlete_id and scored.sport = per_sport.sport
left join per_athlete on scored.athlete_id = per_athlete.athlete_id
left join typical_reserve on scored.sport = typical_reserve.sport
