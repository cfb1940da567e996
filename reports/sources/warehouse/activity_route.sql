-- The GPS track of each activity, downsampled for the route map: the first position of each
-- distance step of 10 m, lengthened for long activities so that none has more than about 1000
-- points (one per 5 s of elapsed time, same cap, without distances), plus the last position.
-- Positions outside the globe and (0, 0) (a receiver without a fix) are left out.
with fixes as (
    select
        athlete_id,
        activity_id,
        recorded_at,
        elapsed_s,
        distance_m,
        lat,
        lon
    from marts.activity_records
    where
        lat between -90 and 90
        and lon between -180 and 180
        and not (lat = 0 and lon = 0)
),

spans as (
    select
        athlete_id,
        activity_id,
        greatest(10.0, (max(distance_m) - min(distance_m)) / 1000.0) as step_m,
        greatest(5.0, (max(elapsed_s) - min(elapsed_s)) / 1000.0) as step_s,
        count(distance_m) = count(*) as by_distance
    from fixes
    group by athlete_id, activity_id
),

stepped as (
    select
        f.athlete_id,
        f.activity_id,
        f.recorded_at,
        f.lat,
        f.lon,
        floor(
            case when s.by_distance then f.distance_m / s.step_m else f.elapsed_s / s.step_s end
        )::int as step
    from fixes as f
    inner join spans as s
        on f.athlete_id = s.athlete_id and f.activity_id = s.activity_id
),

firsts as (
    select distinct on (athlete_id, activity_id, step)
        athlete_id,
        activity_id,
        recorded_at,
        lat,
        lon
    from stepped
    order by athlete_id asc, activity_id asc, step asc, recorded_at asc
),

lasts as (
    select distinct on (athlete_id, activity_id)
        athlete_id,
        activity_id,
        recorded_at,
        lat,
        lon
    from fixes
    order by athlete_id asc, activity_id asc, recorded_at desc
),

kept as (
    select * from firsts
    union
    select * from lasts
)

select
    athlete_id,
    activity_id,
    (row_number() over (partition by athlete_id, activity_id order by recorded_at))::int
        as point,
    round(lat::numeric, 6)::float8 as lat,
    round(lon::numeric, 6)::float8 as lon
from kept
