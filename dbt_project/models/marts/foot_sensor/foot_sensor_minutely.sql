{#-
    Per person, sensor and minute: count, min/max/mean/stddev and anomalies. Incremental: a run
    recomputes from the newest minute already stored (it may have been partial) onwards, so
    minutes stay after their raw readings are pruned. A --full-refresh keeps only what the
    retention window still holds.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['person_id', 'sensor_id', 'minute'],
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

with readings as (
    select * from {{ ref('stg_foot_sensor__readings') }}
    {% if is_incremental() %}
        where polled_at >= (
            select coalesce(max(stored.minute), '-infinity') from {{ this }} as stored
        )
    {% endif %}
)

select
    person_id,
    sensor_id,
    date_trunc('minute', polled_at) as minute,
    count(*) as readings,
    min(value) as min_value,
    max(value) as max_value,
    avg(value::float8) as avg_value,
    stddev_samp(value::float8) as stddev_value,
    count(*) filter (where anomaly) as anomalies
from readings
group by person_id, sensor_id, date_trunc('minute', polled_at)
