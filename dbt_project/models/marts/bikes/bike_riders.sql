{#- One row per rider with today's age and age band; ride counts come from bike_rides. -#}
with riders as (
    select * from {{ ref('stg_bikes__riders') }}
),

aged as (
    select
        *,
        extract(year from age(current_date, date_of_birth))::int as age
    from riders
)

select
    user_id,
    name,
    gender,
    date_of_birth,
    age,
    {{ age_band('age') }} as age_band,
    {{ bike_hr_limit('age') }} as hr_limit,
    email,
    height_cm,
    weight_kg,
    last_seen_at
from aged
