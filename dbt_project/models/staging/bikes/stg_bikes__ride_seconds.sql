with ride_seconds as (
    {{ source_or_empty('bikes', 'ride_seconds', {
        'ride_id': 'bigint',
        'duration_s': 'double precision',
        'recorded_at': 'timestamptz',
        'bike_id': 'text',
        'user_id': 'bigint',
        'resistance': 'double precision',
        'heart_rate': 'double precision',
        'rpm': 'double precision',
        'power': 'double precision',
        'log_offset': 'bigint',
    }) }}
)

select * from ride_seconds
