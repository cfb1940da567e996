{#-
    One row per activity from any source, each counted once (int_activity_groups merges the
    versions of one activity: same FIT identity, Strava link, or same athlete + sport family
    starting within 120 s). The values are the chosen (best-detailed) version's, so they agree
    with its records and laps; name and strava_activity_id come from the first version, best
    first, that has one.

    started_at_local = started_at + utc_offset_s, the offset being the chosen version's, else
    the first other version's (best first) that knows one (a FIT local_timestamp, a Strava
    start_date_local); without any: started_at in the Strava time zone of the group, else the
    athlete's registered zone (raw.athletes), else FITELT_DEFAULT_TIMEZONE.
-#}
with versions as (
    select * from {{ ref('int_activity_groups') }}
),

timezones as (
    select * from {{ ref('int_athlete_timezones') }}
),

loads as (
    select
        activity_id as load_activity_id,
        trimp,
        trimp_source,
        load,
        load_basis,
        hr_seconds,
        hr_zone1_s,
        hr_zone2_s,
        hr_zone3_s,
        hr_zone4_s,
        hr_zone5_s
    from {{ ref('int_activity_load') }}
),

merged as (
    select
        activity_id,
        string_agg(source, ',' order by version_rank) as merged_sources,
        {{ first_non_null('name', 'version_rank') }} as name,
        {{ first_non_null('strava_activity_id', 'version_rank') }} as strava_activity_id,
        {{ first_non_null('utc_offset_s', 'version_rank') }} as utc_offset_s,
        {{ first_non_null('timezone', 'version_rank') }} as strava_timezone,
        {{ first_non_null(
            "case when sport = activity_sport then strava_sport_type end", 'version_rank'
        ) }} as strava_sport_type,
        {{ first_non_null('sub_sport', 'version_rank') }} as sub_sport
    from versions
    group by activity_id
),

chosen as (
    select
        versions.*,
        merged.merged_sources,
        merged.name as merged_name,
        merged.strava_activity_id as merged_strava_activity_id,
        merged.utc_offset_s as merged_utc_offset_s,
        merged.strava_sport_type as merged_strava_sport_type,
        merged.sub_sport as merged_sub_sport,
        coalesce(merged.strava_timezone, timezones.timezone, '{{ local_timezone() }}')
            as zone
    from versions
    inner join merged on versions.activity_id = merged.activity_id
    left join timezones on versions.athlete_id = timezones.athlete_id
    where versions.is_chosen
),

localised as (
    select
        chosen.*,
        loads.*,
        case
            when chosen.merged_utc_offset_s is not null
                then
                    (chosen.started_at at time zone 'UTC')
                    + chosen.merged_utc_offset_s * interval '1 second'
            else chosen.started_at at time zone chosen.zone
        end as started_at_local
    from chosen
    left join loads on chosen.activity_id = loads.load_activity_id
)

select
    athlete_id,
    activity_id,
    {{ activity_number('activity_id', 'merged_strava_activity_id') }} as activity_number,
    source,
    activity_sport as sport,
    coalesce(
        merged_strava_sport_type,
        {{ file_strava_sport_type('activity_sport', 'merged_sub_sport') }}
    ) as sport_type,
    merged_name as name,
    started_at,
    started_at_local,
    started_at_local::date as activity_day,
    zone as timezone,
    merged_utc_offset_s as utc_offset_s,
    case when merged_utc_offset_s is not null then 'utc_offset' else 'timezone' end
        as local_time_basis,
    distance_m,
    moving_time_s,
    elapsed_time_s,
    avg_heart_rate,
    max_heart_rate,
    avg_speed_mps,
    elevation_gain_m,
    avg_power_w,
    calories,
    trimp,
    trimp_source,
    load,
    load_basis,
    hr_seconds,
    hr_zone1_s,
    hr_zone2_s,
    hr_zone3_s,
    hr_zone4_s,
    hr_zone5_s,
    record_count > 0 as has_records,
    record_count,
    lap_count,
    content_sha256,
    {{ version_fingerprint('content_sha256', 'load_id') }} as version_fingerprint,
    source_file,
    merged_strava_activity_id as strava_activity_id,
    versions_merged,
    merged_sources,
    activity_start as first_started_at
from localised
