-- The records of each activity downsampled for the charts: one point per distance step of
-- 25 m, lengthened for long activities so that none has more than about 800 points (a 3-hour
-- run of 30 km: one point per 38 m); an activity without distances gets one point per 10 s
-- (or longer, same cap) of elapsed time. A point averages the records of its step; its speed
-- is the records' mean speed, or the distance covered over the timer time when the file
-- recorded no speed. Pace is left empty while standing (below 0.5 m/s).
with spans as (
    select
        athlete_id,
        activity_id,
        greatest(25.0, max(distance_m) / 800.0) as step_m,
        greatest(10.0, max(elapsed_s) / 800.0) as step_s,
        count(distance_m) > 0 as by_distance
    from marts.activity_records
    group by athlete_id, activity_id
),

steps as (
    select
        r.athlete_id,
        r.activity_id,
        floor(
            case when s.by_distance then r.distance_m / s.step_m else r.elapsed_s / s.step_s end
        )::int as point,
        r.distance_m,
        r.elapsed_s,
        coalesce(r.timer_s, r.elapsed_s) as timer_s,
        r.heart_rate,
        r.speed_mps,
        r.cadence,
        r.power_w,
        r.altitude_m
    from marts.activity_records as r
    inner join spans as s
        on r.athlete_id = s.athlete_id and r.activity_id = s.activity_id
    where not s.by_distance or r.distance_m is not null
),

points as (
    select
        athlete_id,
        activity_id,
        point,
        avg(distance_m) as distance_m,
        min(elapsed_s) as elapsed_s,
        avg(heart_rate) as heart_rate,
        coalesce(
            avg(speed_mps),
            (max(distance_m) - min(distance_m)) / nullif(max(timer_s) - min(timer_s), 0)
        ) as speed_mps,
        avg(cadence) as cadence,
        avg(power_w) as power_w,
        avg(altitude_m) as altitude_m
    from steps
    group by athlete_id, activity_id, point
)

select
    athlete_id,
    activity_id,
    point,
    round((distance_m / 1000.0)::numeric, 3)::float8 as distance_km,
    round((elapsed_s / 60.0)::numeric, 2)::float8 as elapsed_min,
    round(heart_rate::numeric, 1)::float8 as heart_rate,
    round((speed_mps * 3.6)::numeric, 2)::float8 as speed_kmh,
    case
        when speed_mps >= 0.5 then round((1000.0 / 60.0 / speed_mps)::numeric, 2)::float8
    end as pace_min_per_km,
    round(cadence::numeric, 1)::float8 as cadence,
    round(power_w::numeric, 1)::float8 as power_w,
    round(altitude_m::numeric, 1)::float8 as altitude_m
from points
