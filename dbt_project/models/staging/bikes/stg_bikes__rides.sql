select
    ride_id,
    bike_id,
    user_id,
    started_at,
    last_second_at,
    duration_s,
    seconds_recorded,
    heart_rate_seconds,
    avg_heart_rate,
    max_heart_rate,
    avg_power,
    max_power,
    avg_rpm,
    avg_resistance,
    energy_kj
from {{ source('bikes', 'rides') }}
