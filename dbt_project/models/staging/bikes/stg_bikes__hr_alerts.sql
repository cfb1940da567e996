select
    ride_id,
    user_id,
    bike_id,
    rider_name,
    age,
    hr_limit,
    max_heart_rate,
    first_exceeded_at,
    recipient,
    delivery,
    sent_at
from {{ source('bikes', 'hr_alerts') }}
where sent_at is not null
