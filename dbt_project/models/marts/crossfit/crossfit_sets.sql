{#-
    One row per logged CrossFit line (athlete, day, set_key) with the canonical exercise and the
    Epley estimated one-rep max: weight_kg × (1 + reps / 30) for 1 ≤ reps ≤ 10 and a positive
    weight; null above 10 reps (the formula overestimates) and for bodyweight lines. Written as
    weight_kg × (30 + reps) / 30 (the same value, one rounding).
-#}
with sets as (
    select * from {{ ref('stg_crossfit__sets') }}
)

select
    athlete_id,
    session_date,
    date_trunc('week', session_date::timestamp)::date as week_start,
    set_key,
    row_number,
    exercise,
    exercise_as_typed,
    is_known_exercise,
    sets,
    reps,
    weight_kg,
    is_bodyweight,
    total_reps,
    tonnage_kg,
    case
        when weight_kg > 0 and reps <= 10 then weight_kg * (30 + reps) / 30.0
    end as estimated_1rm_kg,
    notes
from sets
