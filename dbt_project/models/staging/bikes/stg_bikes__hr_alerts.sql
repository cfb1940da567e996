with alerts as (
    {{ source_or_empty('bikes', 'hr_alerts', {
        'ride_id': 'bigint',
        'user_id': 'bigint',
        'bike_id': 'text',
        'rider_name': 'text',
        'age': 'integer',
        'hr_limit': 'integer',
        'max_heart_rate': 'double precision',
        'first_exceeded_at': 'timestamptz',
        'recipient': 'text',
        'delivery': 'text',
        'sent_at': 'timestamptz',
    }) }}
)

select * from alerts
where sent_at is not null
