{#-
    One row per recorded sample of each activity's chosen version (marts.activities), nothing
    of the other versions. Millions of rows: incremental, delete+insert on
    (athlete_id, activity_id), each row carrying the version_fingerprint of the version it
    came from (64 bits of md5(content_sha256 | dlt load id): 8 bytes a row, not a 64-character
    hash).

    A build (re)writes an activity when its stored fingerprint is not its chosen version's now:
    a new activity, a better version that arrived (a FIT file after a GPX or a Strava row: its
    records replace the old ones), an activity whose id changed (a version starting earlier
    joined it), the chosen version loaded again (the decoder sent its samples anew: a new
    dlt load id). The post-hook then deletes stored activities that are no longer an activity
    with records under that id and fingerprint (merged into another, or now chosen from a
    version without records). Both checks read one row per activity through the
    (athlete_id, activity_id, recorded_at) index, never every row. `--full-refresh` rebuilds
    everything from staging and gives the same rows.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['athlete_id', 'activity_id', 'recorded_at']}],
        post_hook="
            delete from {{ this }} as stored
            where (stored.athlete_id, stored.activity_id) in (
                select kept.athlete_id, kept.activity_id
                from ({{ stored_activity_versions(this) }}) as kept
                where not exists (
                    select 1 from {{ ref('activities') }} as current_activity
                    where
                        current_activity.has_records
                        and current_activity.athlete_id = kept.athlete_id
                        and current_activity.activity_id = kept.activity_id
                        and current_activity.version_fingerprint = kept.version_fingerprint
                )
            )"
    )
}}

with chosen as (
    select
        athlete_id,
        activity_id,
        content_sha256,
        version_fingerprint
    from {{ ref('activities') }}
    where has_records
),

{% if is_incremental() %}

    to_write as (
        select chosen.*
        from chosen
        where not exists (
            select 1 from {{ this }} as stored
            where
                stored.athlete_id = chosen.athlete_id
                and stored.activity_id = chosen.activity_id
                and stored.version_fingerprint = chosen.version_fingerprint
        )
    ),

{% else %}

    to_write as (
        select * from chosen
    ),

{% endif %}

records as (
    {{ ref_or_empty('stg_activity_files__records', {
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
    to_write.athlete_id,
    to_write.activity_id,
    to_write.version_fingerprint,
    records.recorded_at,
    records.elapsed_s,
    records.timer_s,
    records.distance_m,
    records.heart_rate,
    records.speed_mps,
    records.cadence,
    records.power_w,
    records.altitude_m,
    records.lat,
    records.lon,
    records.temperature_c
from to_write
inner join records
    on
        to_write.content_sha256 = records.content_sha256
        and to_write.athlete_id = records.athlete_id
