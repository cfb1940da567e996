-- Laps of each activity: the file's own laps (lap_source 'file') and the automatic 1 km splits
-- ('auto_1km') from marts.activity_laps.
select
    athlete_id,
    activity_id,
    lap_index,
    lap_source,
    started_at,
    elapsed_time_s::float8 as elapsed_time_s,
    moving_time_s::float8 as moving_time_s,
    distance_m::float8 as distance_m,
    avg_heart_rate::float8 as avg_heart_rate,
    max_heart_rate::float8 as max_heart_rate,
    avg_speed_mps::float8 as avg_speed_mps
from marts.activity_laps
