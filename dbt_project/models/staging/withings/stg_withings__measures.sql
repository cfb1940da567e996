with source as (
    select * from {{ source('withings', 'measures') }}
),

renamed as (
    select
        athlete_id,
        measured_at,
        measure_type,
        measure_name,
        value,
        timezone,
        (measured_at at time zone timezone)::date as measured_day,
        grpid,
        modified_at,
        source_file
    from source
)

select * from renamed
