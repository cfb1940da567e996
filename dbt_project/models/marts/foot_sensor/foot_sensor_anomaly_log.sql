{#- Every anomalous reading ever seen, with who and which sensor; newest first in queries. -#}
with anomalies as (
    select * from {{ ref('stg_foot_sensor__anomalies') }}
),

persons as (
    select * from {{ ref('stg_foot_sensor__persons') }}
)

select
    anomalies.person_id,
    persons.full_name,
    anomalies.sensor_id,
    anomalies.polled_at,
    anomalies.trace_id,
    anomalies.value
from anomalies
left join persons on anomalies.person_id = persons.person_id
