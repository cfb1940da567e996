{#- Apple Health sleep segments with their local times; wake_day = the local day of the end. -#}
with sleep as (
    {{ source_or_empty('apple_health', 'sleep', {
        'athlete_id': 'text',
        'source_name': 'text',
        'stage': 'text',
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
    source_name,
    stage,
    stage like 'asleep%' as is_asleep,
    start_at,
    end_at,
    start_offset_s,
    end_offset_s,
    ((end_at at time zone 'UTC') + make_interval(secs => end_offset_s))::date as end_local_day,
    source_file
from sleep
