with persons as (
    {{ source_or_empty('foot_sensor', 'persons', {
        'person_id': 'integer',
        'firstname': 'text',
        'lastname': 'text',
        'birth_year': 'integer',
        'disabled': 'boolean',
        'trace_id': 'bigint',
        'trace_name': 'text',
        'first_seen_at': 'timestamptz',
        'last_seen_at': 'timestamptz',
    }) }}
)

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
from persons
