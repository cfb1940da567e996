select
    person_id,
    sensor_id,
    polled_at,
    trace_id,
    value
from {{ source('foot_sensor', 'anomalies') }}
