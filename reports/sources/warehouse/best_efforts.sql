-- The fastest time over each standard distance in each activity (marts.best_efforts);
-- rank 1 = the athlete's personal best for that effort.
select
    athlete_id,
    activity_id,
    effort,
    distance_m::float8 as distance_m,
    seconds::float8 as seconds,
    started_at,
    athlete_rank as rank
from marts.best_efforts
