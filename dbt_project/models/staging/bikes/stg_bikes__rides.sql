with rides as (
    {{ source_or_empty('bikes', 'rides', {
        'ride_id': 'bigint',
        'bike_id': 'text',
        'user_id': 'bigint',
        'started_at': 'timestamptz',
        'last_second_at': 'timestamptz',
        'duration_s': 'double precision',
        'seconds_recorded': 'bigint',
        'heart_rate_seconds': 'bigint',
        'avg_heart_rate': 'double precision',
        'max_heart_rate': 'double precision',
        'avg_power': 'double precision',
        'max_power': 'double precision',
        'avg_rpm': 'double precision',
        'avg_resistance': 'double precision',
        'energy_kj': 'double precision',
    }) }}
)

select * from rides
