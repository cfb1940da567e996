{#- Apple Health quantity records with their local times (the export's own "+HHMM"). -#}
with records as (
    {{ source_or_empty('apple_health', 'records', {
        'athlete_id': 'text',
        'record_type': 'text',
        'source_name': 'text',
        'unit': 'text',
        'value': 'double precision',
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
    record_type,
    source_name,
    unit,
    value,
    start_at,
    end_at,
    start_offset_s,
    end_offset_s,
    (start_at at time zone 'UTC') + make_interval(secs => start_offset_s) as start_local,
    ((start_at at time zone 'UTC') + make_interval(secs => start_offset_s))::date as local_day,
    created_at,
    source_file
from records
