{#-
    One row per weigh-in: an athlete's Withings weight (measure_name weight_kg, meastype 1) at
    an instant, and the Apple Health body-mass records Withings does not hold
    (int_apple_health_body_measures). Empty until stg_withings__measures exists (a refresh of another source on a new
    warehouse rebuilds the running models before the Withings staging view is there).
-#}
with measures as (
    {{ ref_or_empty('stg_withings__measures', {
        'athlete_id': 'text',
        'measured_at': 'timestamptz',
        'measure_name': 'text',
        'value': 'double precision',
    }) }}
)

select
    athlete_id,
    measured_at,
    value as weight_kg
from measures
where measure_name = 'weight_kg'
union all
{#- Weigh-ins only Apple Health holds (Withings' own copies dropped: one weigh-in counts once). #}
select
    athlete_id,
    measured_at,
    value as weight_kg
from {{ ref('int_apple_health_body_measures') }}
where measure_name = 'weight_kg'
