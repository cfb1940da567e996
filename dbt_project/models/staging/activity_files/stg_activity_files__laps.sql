{#- One row per lap of a file version (raw.activity_file_laps), typed as the contract states;
    empty while the raw table does not exist. -#}
{#- The loader writes the three tables in one Dagster asset (activity_files/files, today): built
    downstream of it too, so its job rebuilds this view whatever keys the other tables get. #}
-- depends_on: {{ source('activity_files', 'files') }}
with laps as (
    {{ source_or_empty('activity_files', 'laps', {
        'content_sha256': 'text',
        'athlete_id': 'text',
        'lap_index': 'integer',
        'started_at': 'timestamptz',
        'elapsed_time_s': 'double precision',
        'moving_time_s': 'double precision',
        'distance_m': 'double precision',
        'avg_heart_rate': 'double precision',
        'max_heart_rate': 'double precision',
        'avg_speed_mps': 'double precision',
        'avg_power_w': 'double precision',
        'calories': 'double precision',
        'lap_trigger': 'text',
    }) }}
)

select
    content_sha256::text as content_sha256,
    athlete_id::text as athlete_id,
    lap_index::integer as lap_index,
    started_at::timestamptz as started_at,
    elapsed_time_s::double precision as elapsed_time_s,
    moving_time_s::double precision as moving_time_s,
    distance_m::double precision as distance_m,
    avg_heart_rate::double precision as avg_heart_rate,
    max_heart_rate::double precision as max_heart_rate,
    avg_speed_mps::double precision as avg_speed_mps,
    avg_power_w::double precision as avg_power_w,
    calories::double precision as calories,
    lap_trigger::text as lap_trigger
from laps
