{#- The loader's running ride summaries equal the aggregates of the rides' seconds. -#}
with seconds as (
    select
        ride_id,
        count(*) as seconds_recorded,
        max(heart_rate) as max_heart_rate,
        sum(power) as total_power
    from {{ ref('stg_bikes__ride_seconds') }}
    group by ride_id
)

select rides.ride_id
from {{ ref('stg_bikes__rides') }} as rides
left join seconds on rides.ride_id = seconds.ride_id
where
    rides.seconds_recorded != coalesce(seconds.seconds_recorded, 0)
    or rides.max_heart_rate is distinct from seconds.max_heart_rate
    or abs(rides.energy_kj * 1000 - coalesce(seconds.total_power, 0)) > 0.01
