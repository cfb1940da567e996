{#- Apple Health workouts with the local day they started on. -#}
with workouts as (
    {{ source_or_empty('apple_health', 'workouts', {
        'athlete_id': 'text',
        'record_key': 'text',
        'activity_type': 'text',
        'source_name': 'text',
        'duration_s': 'double precision',
        'energy_kcal': 'double precision',
        'distance_m': 'double precision',
        'start_at': 'timestamptz',
        'end_at': 'timestamptz',
        'start_offset_s': 'integer',
        'end_offset_s': 'integer',
        'created_at': 'timestamptz',
        'source_file': 'text',
    }) }}
)

select
    athlete_id,
    record_key,
    activity_type,
    source_name,
    duration_s,
    energy_kcal,
    distance_m,
    start_at,
    end_at,
    start_offset_s,
    ((start_at at time zone 'UTC') + make_interval(secs => start_offset_s))::date as local_day,
    source_file
from workouts
