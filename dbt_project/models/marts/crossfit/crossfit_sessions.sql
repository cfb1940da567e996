{#-
    One row per athlete per session day: distinct exercises, lines, sets, reps and tonnage.
    avg_weight_per_rep_kg = tonnage_kg / weighted_reps (reps done with a weight); null when the
    day had only bodyweight work.
-#}
with sets as (
    select * from {{ ref('crossfit_sets') }}
),

sessions as (
    select
        athlete_id,
        session_date,
        min(week_start) as week_start,
        count(distinct exercise) as exercises,
        count(*) as set_lines,
        sum(sets) as total_sets,
        sum(total_reps) as total_reps,
        coalesce(sum(total_reps) filter (where weight_kg is not null), 0) as weighted_reps,
        coalesce(sum(tonnage_kg), 0) as tonnage_kg
    from sets
    group by athlete_id, session_date
)

select
    athlete_id,
    session_date,
    week_start,
    exercises,
    set_lines,
    total_sets,
    total_reps,
    weighted_reps,
    tonnage_kg,
    tonnage_kg / nullif(weighted_reps, 0) as avg_weight_per_rep_kg
from sessions
