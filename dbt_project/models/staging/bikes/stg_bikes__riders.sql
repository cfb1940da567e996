with riders as (
    {{ source_or_empty('bikes', 'riders', {
        'user_id': 'bigint',
        'name': 'text',
        'gender': 'text',
        'date_of_birth': 'date',
        'email': 'text',
        'height_cm': 'double precision',
        'weight_kg': 'double precision',
        'address': 'text',
        'bike_serial': 'text',
        'last_seen_at': 'timestamptz',
    }) }}
)

select * from riders
