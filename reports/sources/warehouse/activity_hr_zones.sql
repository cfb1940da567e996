-- Seconds per heart-rate zone (1-5) of each activity (marts.activity_hr_zones).
select
    athlete_id,
    activity_id,
    zone,
    lower_bpm::float8 as lower_bpm,
    upper_bpm::float8 as upper_bpm,
    seconds::float8 as seconds
from marts.activity_hr_zones
