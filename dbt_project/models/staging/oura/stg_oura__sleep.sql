with sleep as (
    {{ source_or_empty('oura', 'sleep', {
        'athlete_id': 'text',
        'sleep_id': 'text',
        'day': 'date',
        'sleep_type': 'text',
        'bedtime_start': 'timestamptz',
        'bedtime_end': 'timestamptz',
        'utc_offset_s': 'bigint',
        'total_sleep_duration_s': 'double precision',
        'deep_sleep_duration_s': 'double precision',
        'rem_sleep_duration_s': 'double precision',
        'light_sleep_duration_s': 'double precision',
        'awake_time_s': 'double precision',
        'time_in_bed_s': 'double precision',
        'latency_s': 'double precision',
        'efficiency': 'double precision',
        'average_heart_rate': 'double precision',
        'lowest_heart_rate': 'double precision',
        'average_hrv': 'double precision',
        'average_breath': 'double precision',
    }) }}
),

renamed as (
    select
        athlete_id::text as athlete_id,
        sleep_id::text as sleep_id,
        day::date as day,
        sleep_type::text as sleep_type,
        bedtime_start::timestamptz as bedtime_start,
        bedtime_end::timestamptz as bedtime_end,
        total_sleep_duration_s::double precision as total_sleep_s,
        deep_sleep_duration_s::double precision as deep_sleep_s,
        rem_sleep_duration_s::double precision as rem_sleep_s,
        light_sleep_duration_s::double precision as light_sleep_s,
        awake_time_s::double precision as awake_s,
        time_in_bed_s::double precision as time_in_bed_s,
        efficiency::double precision as efficiency,
        average_hrv::double precision as average_hrv_ms,
        lowest_heart_rate::double precision as lowest_heart_rate,
        average_heart_rate::double precision as average_heart_rate,
        latency_s::double precision as latency_s,
        average_breath::double precision as average_breath,
        utc_offset_s::bigint as utc_offset_s
    from sleep
    -- A period the user deleted in the Oura app stays in raw (Oura keeps it, typed
    -- `deleted`) but is no sleep.
    where sleep_type <> 'deleted'
)

select * from renamed
