{#-
    One row per version of an activity, whatever its source: each decoded file
    (stg_activity_files__files) and each Strava summary row (stg_strava__activities: bulk export and
    API, one row per Strava activity). Puts both on one set of columns with the sport family and
    the attributes the merge (int_activity_groups) and the best-version choice need:

      base_key     the file_identity ('fit:<serial>:<start epoch>') of a FIT file with a
                   serial, else 'sha:<content_sha256>'; 'strava:<activity id>' for Strava
      format_rank  fit 1, tcx 2, gpx 3, strava api 4, strava export 5 (lower = more detailed)
      utc_offset_s the file's; for a Strava row start_date_local - start_date (Strava's local
                   time; the athlete's zone for export rows); null when unknown
-#}
with files as (
    {{ ref_or_empty('stg_activity_files__files', {
        'content_sha256': 'text',
        'athlete_id': 'text',
        'source_format': 'text',
        'source_file': 'text',
        'file_identity': 'text',
        'device_serial': 'bigint',
        'sport': 'text',
        'sub_sport': 'text',
        'started_at': 'timestamptz',
        'utc_offset_s': 'integer',
        'distance_m': 'double precision',
        'moving_time_s': 'double precision',
        'elapsed_time_s': 'double precision',
        'avg_heart_rate': 'double precision',
        'max_heart_rate': 'double precision',
        'avg_speed_mps': 'double precision',
        'elevation_gain_m': 'double precision',
        'avg_power_w': 'double precision',
        'calories': 'double precision',
        'record_count': 'integer',
        'lap_count': 'integer',
        'strava_activity_id': 'bigint',
        'activity_name': 'text',
        'load_id': 'text',
    }) }}
),

strava as (
    {{ ref_or_empty('stg_strava__activities', {
        'athlete_id': 'text',
        'activity_id': 'bigint',
        'activity_name': 'text',
        'sport_type': 'text',
        'started_at': 'timestamptz',
        'started_at_local': 'timestamp',
        'timezone': 'text',
        'distance_m': 'double precision',
        'moving_time_s': 'bigint',
        'elapsed_time_s': 'bigint',
        'elevation_gain_m': 'double precision',
        'average_speed_mps': 'double precision',
        'average_heartrate': 'double precision',
        'max_heartrate': 'double precision',
        'data_source': 'text',
        'source_file': 'text',
    }) }}
),

file_versions as (
    select
        athlete_id,
        'sha:' || content_sha256 as version_key,
        coalesce(file_identity, 'sha:' || content_sha256) as base_key,
        content_sha256,
        source_format as source,
        case source_format when 'fit' then 1 when 'tcx' then 2 else 3 end as format_rank,
        {{ file_sport_family('sport') }} as sport,
        sub_sport,
        null::text as strava_sport_type,
        started_at,
        utc_offset_s,
        null::text as timezone,
        distance_m,
        moving_time_s,
        elapsed_time_s,
        avg_heart_rate,
        max_heart_rate,
        avg_speed_mps,
        elevation_gain_m,
        avg_power_w,
        calories,
        coalesce(record_count, 0) as record_count,
        coalesce(lap_count, 0) as lap_count,
        strava_activity_id,
        activity_name as name,
        file_identity,
        device_serial,
        source_file,
        load_id
    from files
),

strava_versions as (
    select
        athlete_id,
        'strava:' || activity_id as version_key,
        'strava:' || activity_id as base_key,
        null::text as content_sha256,
        'strava_' || data_source as source,
        case data_source when 'api' then 4 else 5 end as format_rank,
        {{ strava_sport_family('sport_type') }} as sport,
        null::text as sub_sport,
        sport_type as strava_sport_type,
        started_at,
        extract(epoch from started_at_local - (started_at at time zone 'UTC'))::integer
            as utc_offset_s,
        timezone,
        distance_m,
        moving_time_s::double precision as moving_time_s,
        elapsed_time_s::double precision as elapsed_time_s,
        average_heartrate as avg_heart_rate,
        max_heartrate as max_heart_rate,
        average_speed_mps as avg_speed_mps,
        elevation_gain_m,
        null::double precision as avg_power_w,
        null::double precision as calories,
        0 as record_count,
        0 as lap_count,
        activity_id as strava_activity_id,
        activity_name as name,
        null::text as file_identity,
        null::bigint as device_serial,
        source_file,
        null::text as load_id
    from strava
)

select * from file_versions
union all
select * from strava_versions
