with source as (
    select * from {{ source('strava', 'activities') }}
),

renamed as (
    select
        athlete_id,
        activity_id,
        name as activity_name,
        sport_type,
        type as legacy_type,
        sport_type in ('Run', 'TrailRun', 'VirtualRun') as is_run,
        start_date as started_at,
        start_date_local as started_at_local,
        timezone,
        coalesce(
            start_date_local::date,
            (start_date at time zone coalesce(timezone, 'UTC'))::date
        ) as activity_day,
        distance_m,
        distance_m / 1000.0 as distance_km,
        moving_time_s,
        elapsed_time_s,
        total_elevation_gain_m as elevation_gain_m,
        average_speed as average_speed_mps,
        max_speed as max_speed_mps,
        average_heartrate,
        max_heartrate,
        data_source,
        source_file
    from source
)

select * from renamed
