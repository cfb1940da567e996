select
    user_id,
    name,
    gender,
    date_of_birth,
    email,
    height_cm,
    weight_kg,
    address,
    bike_serial,
    last_seen_at
from {{ source('bikes', 'riders') }}
