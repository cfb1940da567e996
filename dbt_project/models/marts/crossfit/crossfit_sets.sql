{#-
    One row per logged CrossFit line (athlete, day, set_key) with the canonical exercise and two
    one-rep-max estimates, for a positive weight and 1 ≤ reps ≤ 10 only (null above 10 reps,
    where the formulas overestimate, and for bodyweight lines):
    - estimated_1rm_kg: a single IS the 1RM (reps = 1 → weight_kg); Epley
      weight_kg × (1 + reps / 30) for 2–10 reps, written weight_kg × (30 + reps) / 30 (the same
      value, one rounding);
    - brzycki_1rm_kg: weight_kg × 36 / (37 − reps), which equals weight_kg for a single.
    rpe and duration_min are passed on for crossfit_sessions (session-RPE).
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
        when weight_kg > 0 and reps = 1 then weight_kg
        when weight_kg > 0 and reps between 2 and 10 then weight_kg * (30 + reps) / 30.0
    end as estimated_1rm_kg,
    case
        when weight_kg > 0 and reps = 1 then weight_kg  -- 36 / 36, without a rounding
        when weight_kg > 0 and reps between 2 and 10 then weight_kg * 36 / (37 - reps)
    end as brzycki_1rm_kg,
    rpe,
    duration_min,
    notes
from sets
