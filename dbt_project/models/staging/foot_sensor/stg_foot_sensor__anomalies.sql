with anomalies as (
    {{ source_or_empty('foot_sensor', 'anomalies', {
        'person_id': 'integer',
        'sensor_id': 'smallint',
        'polled_at': 'timestamptz',
        'trace_id': 'bigint',
        'value': 'smallint',
    }) }}
)

select * from anomalies
