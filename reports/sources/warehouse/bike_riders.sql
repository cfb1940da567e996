-- Riders without their e-mail address and date of birth (the site shows age and age band).
select
    user_id,
    name,
    coalesce(gender, 'unknown') as gender,
    age,
    age_band,
    hr_limit,
    height_cm,
    weight_kg,
    last_seen_at
from marts.bike_riders
