{#-
    One row per athlete per canonical exercise, over all its logged lines: volume, heaviest
    weight, most reps in a set, mean weight per weighted rep, the best actual single (heaviest
    weight lifted for 1 rep) and the best estimated 1RM (crossfit_sets.estimated_1rm_kg: a
    single's weight, Epley for 2–10 reps), each with the first day it was reached, first and
    last day done.
-#}
with sets as (
    select * from {{ ref('crossfit_sets') }}
),

stats as (
    select
        athlete_id,
        exercise,
        count(distinct session_date) as sessions,
        sum(sets) as total_sets,
        sum(total_reps) as total_reps,
        max(weight_kg) as max_weight_kg,
        max(reps) as max_reps,
        coalesce(sum(tonnage_kg), 0) as tonnage_kg,
        sum(tonnage_kg) / nullif(sum(total_reps) filter (where weight_kg is not null), 0)
            as avg_weight_per_rep_kg,
        max(estimated_1rm_kg) as best_estimated_1rm_kg,
        max(weight_kg) filter (where reps = 1 and weight_kg > 0) as best_single_kg,
        min(session_date) as first_done,
        max(session_date) as last_done
    from sets
    group by athlete_id, exercise
),

best_day as (
    select distinct on (athlete_id, exercise)
        athlete_id,
        exercise,
        session_date as best_estimated_1rm_date
    from sets
    where estimated_1rm_kg is not null
    order by athlete_id asc, exercise asc, estimated_1rm_kg desc, session_date asc
),

best_single_day as (
    select distinct on (athlete_id, exercise)
        athlete_id,
        exercise,
        session_date as best_single_date
    from sets
    where reps = 1 and weight_kg > 0
    order by athlete_id asc, exercise asc, weight_kg desc, session_date asc
)

select
    stats.athlete_id,
    stats.exercise,
    stats.sessions,
    stats.total_sets,
    stats.total_reps,
    stats.max_weight_kg,
    stats.max_reps,
    stats.tonnage_kg,
    stats.avg_weight_per_rep_kg,
    stats.best_estimated_1rm_kg,
    best_day.best_estimated_1rm_date,
    stats.best_single_kg,
    best_single_day.best_single_date,
    stats.first_done,
    stats.last_done
from stats
left join best_day
    on
        stats.athlete_id = best_day.athlete_id
        and stats.exercise = best_day.exercise
left join best_single_day
    on
        stats.athlete_id = best_single_day.athlete_id
        and stats.exercise = best_single_day.exercise
