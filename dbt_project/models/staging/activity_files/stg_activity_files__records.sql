{#- One row per recorded sample of a file version (raw.activity_file_records), typed as the
    contract states; empty while the raw table does not exist. A view: millions of rows, read
    only by the incremental mart activity_records (for the versions it has to (re)write). -#}
{#- The loader writes the three tables in one Dagster asset (activity_files/files, today): built
    downstream of it too, so its job rebuilds this view whatever keys the other tables get. #}
-- depends_on: {{ source('activity_files', 'files') }}
with records as (
    {{ source_or_empty('activity_files', 'records', {
        'content_sha256': 'text',
        'athlete_id': 'text',
        'recorded_at': 'timestamptz',
        'elapsed_s': 'double precision',
        'timer_s': 'double precision',
        'distance_m': 'double precision',
        'heart_rate': 'smallint',
        'speed_mps': 'double precision',
        'cadence': 'smallint',
        'power_w': 'smallint',
        'altitude_m': 'double precision',
        'lat': 'double precision',
        'lon': 'double precision',
        'temperature_c': 'smallint',
    }) }}
)

select
    content_sha256::text as content_sha256,
    athlete_id::text as athlete_id,
    recorded_at::timestamptz as recorded_at,
    elapsed_s::double precision as elapsed_s,
    timer_s::double precision as timer_s,
    distance_m::double precision as distance_m,
    heart_rate::smallint as heart_rate,
    speed_mps::double precision as speed_mps,
    cadence::smallint as cadence,
    power_w::smallint as power_w,
    altitude_m::double precision as altitude_m,
    lat::double precision as lat,
    lon::double precision as lon,
    temperature_c::smallint as temperature_c
from records
