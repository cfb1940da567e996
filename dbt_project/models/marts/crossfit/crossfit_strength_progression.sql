{#-
    One row per athlete, canonical exercise and session day on which the exercise was done with
    a weight (at least one line with weight_kg > 0): that day's best estimated 1RM
    (crossfit_sets.estimated_1rm_kg: a single's weight, Epley for 2–10 reps), its best Brzycki
    estimate, its best actual single, its heaviest weight, and the running best estimated 1RM:
    the max of the day bests from the first day up to and including this day.
-#}
with sets as (
    select * from {{ ref('crossfit_sets') }}
    where weight_kg > 0
),

days as (
    select
        athlete_id,
        exercise,
        session_date,
        min(week_start) as week_start,
        count(*) as weighted_lines,
        max(weight_kg) as max_weight_kg,
        max(estimated_1rm_kg) as best_estimated_1rm_kg,
        max(brzycki_1rm_kg) as best_brzycki_1rm_kg,
        max(weight_kg) filter (where reps = 1) as best_single_kg
    from sets
    group by athlete_id, exercise, session_date
),

running as (
    select
        *,
        max(best_estimated_1rm_kg) over history as running_best_estimated_1rm_kg,
        max(best_estimated_1rm_kg) over before as previous_best_estimated_1rm_kg,
        max(best_single_kg) over history as running_best_single_kg
    from days
    window
        history as (
            partition by athlete_id, exercise order by session_date
            rows between unbounded preceding and current row
        ),
        before as (
            partition by athlete_id, exercise order by session_date
            rows between unbounded preceding and 1 preceding
        )
)

select
    athlete_id,
    exercise,
    session_date,
    week_start,
    weighted_lines,
    max_weight_kg,
    best_estimated_1rm_kg,
    best_brzycki_1rm_kg,
    best_single_kg,
    running_best_estimated_1rm_kg,
    running_best_single_kg,
    coalesce(
        best_estimated_1rm_kg > previous_best_estimated_1rm_kg
        or (best_estimated_1rm_kg is not null and previous_best_estimated_1rm_kg is null),
        false
    ) as is_estimated_1rm_record
from running
