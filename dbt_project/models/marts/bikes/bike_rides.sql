{#-
    One row per ride with its rider: age on the day the ride started, age band, the
    age-based heart-rate limit (macros/bike_hr_limit.sql: 220 - age, or Tanaka when
    FITELT_BIKES_HR_LIMIT_FORMULA=tanaka), whether the ride went above it, and when the alert
    went out. ride_day is the local calendar day (FITELT_DEFAULT_TIMEZONE).
-#}
with rides as (
    select * from {{ ref('stg_bikes__rides') }}
),

riders as (
    select * from {{ ref('stg_bikes__riders') }}
),

alerts as (
    select * from {{ ref('stg_bikes__hr_alerts') }}
),

aged as (
    select
        rides.*,
        riders.name as rider_name,
        riders.gender,
        extract(year from age(rides.started_at::date, riders.date_of_birth))::int as age
    from rides
    inner join riders on rides.user_id = riders.user_id
)

select
    aged.ride_id,
    aged.bike_id,
    aged.user_id,
    aged.rider_name,
    aged.gender,
    aged.age,
    {{ age_band('aged.age') }} as age_band,
    aged.started_at,
    (aged.started_at at time zone '{{ local_timezone() }}')::date as ride_day,
    aged.last_second_at,
    aged.duration_s,
    aged.seconds_recorded,
    aged.heart_rate_seconds,
    aged.avg_heart_rate,
    aged.max_heart_rate,
    aged.avg_power,
    aged.max_power,
    aged.avg_rpm,
    aged.avg_resistance,
    aged.energy_kj,
    {{ bike_hr_limit('aged.age') }} as hr_limit,
    coalesce(aged.max_heart_rate > {{ bike_hr_limit('aged.age') }}, false) as exceeded_hr_limit,
    alerts.sent_at as alert_sent_at
from aged
left join alerts on aged.ride_id = alerts.ride_id
