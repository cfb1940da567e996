{#-
    Latest state per person: the six sensors of their newest poll side by side, plus the
    anomaly history (from the never-pruned anomalies, so it outlives the retention window).
-#}
with readings as (
    select * from {{ ref('stg_foot_sensor__readings') }}
),

persons as (
    select * from {{ ref('stg_foot_sensor__persons') }}
),

anomalies as (
    select * from {{ ref('stg_foot_sensor__anomalies') }}
),

newest as (
    select
        person_id,
        max(polled_at) as polled_at
    from readings
    group by person_id
),

latest as (
    select
        readings.person_id,
        readings.polled_at,
        max(readings.trace_id) as trace_id,
        max(readings.value) filter (where readings.sensor_id = 0) as sensor_0,
        max(readings.value) filter (where readings.sensor_id = 1) as sensor_1,
        max(readings.value) filter (where readings.sensor_id = 2) as sensor_2,
        max(readings.value) filter (where readings.sensor_id = 3) as sensor_3,
        max(readings.value) filter (where readings.sensor_id = 4) as sensor_4,
        max(readings.value) filter (where readings.sensor_id = 5) as sensor_5,
        sum(readings.value) as total_pressure,
        bool_or(readings.anomaly) as has_anomaly
    from readings
    inner join newest
        on
            readings.person_id = newest.person_id
            and readings.polled_at = newest.polled_at
    group by readings.person_id, readings.polled_at
),

anomaly_history as (
    select
        person_id,
        count(*) as anomalies_total,
        max(polled_at) as last_anomaly_at
    from anomalies
    group by person_id
)

select
    persons.person_id,
    persons.full_name,
    persons.birth_year,
    persons.disabled,
    persons.trace_name,
    latest.polled_at,
    latest.trace_id,
    latest.sensor_0,
    latest.sensor_1,
    latest.sensor_2,
    latest.sensor_3,
    latest.sensor_4,
    latest.sensor_5,
    latest.total_pressure,
    coalesce(latest.has_anomaly, false) as has_anomaly,
    coalesce(anomaly_history.anomalies_total, 0) as anomalies_total,
    anomaly_history.last_anomaly_at
from persons
left join latest on persons.person_id = latest.person_id
left join anomaly_history on persons.person_id = anomaly_history.person_id
