with readiness as (
    {{ source_or_empty('oura', 'daily_readiness', {
        'athlete_id': 'text',
        'day': 'date',
        'readiness_id': 'text',
        'score': 'double precision',
        'temperature_deviation_c': 'double precision',
        'temperature_trend_deviation_c': 'double precision',
        'contributors': 'jsonb',
    }) }}
),

renamed as (
    select
        athlete_id::text as athlete_id,
        day::date as day,
        score::double precision as score,
        temperature_deviation_c::double precision as temperature_deviation_c,
        temperature_trend_deviation_c::double precision as temperature_trend_deviation_c,
        contributors::jsonb as contributors,
        readiness_id::text as readiness_id
    from readiness
)

select * from renamed
