with readings as (
    {{ source_or_empty('foot_sensor', 'readings', {
        'person_id': 'integer',
        'sensor_id': 'smallint',
        'polled_at': 'timestamptz',
        'trace_id': 'bigint',
        'value': 'smallint',
        'anomaly': 'boolean',
    }) }}
)

select * from readings
