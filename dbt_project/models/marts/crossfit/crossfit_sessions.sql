{#-
    One row per athlete per session day: distinct exercises, lines, sets, reps and tonnage.
    avg_weight_per_rep_kg = tonnage_kg / weighted_reps (reps done with a weight); null when the
    day had only bodyweight work.
    Session-RPE inputs (a contract, read by the training-load marts): rpe and duration_min are
    the largest values logged on the day's lines (null when none); session_rpe_load = rpe ×
    duration_min (Foster's session-RPE, arbitrary units), null when either is missing.
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
        coalesce(sum(tonnage_kg), 0) as tonnage_kg,
        max(rpe)::double precision as rpe,
        max(duration_min)::double precision as duration_min
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
    tonnage_kg / nullif(weighted_reps, 0) as avg_weight_per_rep_kg,
    rpe,
    duration_min,
    rpe * duration_min as session_rpe_load
from sessions
