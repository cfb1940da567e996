-- Activities with recorded samples (from FIT/TCX/GPX files): each has a page of its own.
-- Summary-only activities (a Strava row without its file) are in marts.runs and the Running
-- page; prerendering a page for each of them would only say "no samples".
-- `activity_slug` is the activity's URL segment (/activities/<athlete_id>/<activity_slug>/):
-- the id itself when it is URL- and file-name-safe, else '~' and its UTF-8 bytes in hex
-- ('~' never occurs in a safe id, so slugs stay unique per athlete).
select
    athlete_id,
    activity_id,
    case
        when activity_id ~ '^[A-Za-z0-9_.-]{1,100}$' and activity_id not in ('.', '..')
            then activity_id
        else '~' || encode(convert_to(activity_id, 'UTF8'), 'hex')
    end as activity_slug,
    source,
    sport,
    started_at,
    started_at_local,
    distance_m::float8 as distance_m,
    moving_time_s::float8 as moving_time_s,
    elapsed_time_s::float8 as elapsed_time_s,
    avg_heart_rate::float8 as avg_heart_rate,
    max_heart_rate::float8 as max_heart_rate,
    avg_speed_mps::float8 as avg_speed_mps,
    elevation_gain_m::float8 as elevation_gain_m,
    avg_power_w::float8 as avg_power_w,
    calories::float8 as calories,
    has_records,
    name
from marts.activities
where has_records
