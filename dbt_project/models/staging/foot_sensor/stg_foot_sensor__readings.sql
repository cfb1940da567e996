select
    person_id,
    sensor_id,
    polled_at,
    trace_id,
    value,
    anomaly
from {{ source('foot_sensor', 'readings') }}
