{#-
    One row per athlete per local day with at least one weigh-in. Several weigh-ins in a day are
    averaged. Rolling means use calendar windows over the days that have data:
    7-day = [day - 6, day], 30-day = [day - 29, day]; a gap shrinks the window, it never reaches
    back to older rows.
-#}
with measures as (
    select * from {{ ref('stg_withings__measures') }}
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

rolling as (
    select
        *,
        avg(weight_kg) over last_7_days as weight_7d_avg,
        avg(fat_ratio_pct) over last_7_days as fat_ratio_pct_7d_avg,
        avg(weight_kg) over last_30_days as weight_30d_avg
    from daily
    where weight_kg is not null
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

select * from rolling
