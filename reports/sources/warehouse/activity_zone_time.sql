-- Time in the five heart-rate zones per activity (marts.activities hr_zone1_s..hr_zone5_s,
-- seconds; zones in % of max HR, see marts.activity_hr_zones), for activities with samples.
select
    athlete_id,
    activity_id,
    activity_day,
    sport,
    hr_seconds::float8 as hr_seconds,
    hr_zone1_s::float8 as hr_zone1_s,
    hr_zone2_s::float8 as hr_zone2_s,
    hr_zone3_s::float8 as hr_zone3_s,
    hr_zone4_s::float8 as hr_zone4_s,
    hr_zone5_s::float8 as hr_zone5_s
from marts.activities
where hr_seconds is not null
