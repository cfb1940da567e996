select
    person_id,
    firstname,
    lastname,
    trim(firstname || ' ' || lastname) as full_name,
    birth_year,
    disabled,
    trace_id,
    trace_name,
    first_seen_at,
    last_seen_at
from {{ source('foot_sensor', 'persons') }}
