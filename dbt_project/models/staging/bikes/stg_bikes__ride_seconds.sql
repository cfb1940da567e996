select
    ride_id,
    duration_s,
    recorded_at,
    bike_id,
    user_id,
    resistance,
    heart_rate,
    rpm,
    power,
    log_offset
from {{ source('bikes', 'ride_seconds') }}
