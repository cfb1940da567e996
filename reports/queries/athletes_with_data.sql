-- The athlete picker of every page reads this (README "Writing pages"): one row per registered
-- athlete in marts.athletes, the one athletes source, and on which pages they have data. A page
-- lists the athletes it has data for and shows its empty state when there are none.
select
    athlete_id,
    display_name,
    athlete_id in (select athlete_id from warehouse.weight_daily) as has_weight,
    athlete_id in (select athlete_id from warehouse.runs) as has_runs,
    athlete_id in (select athlete_id from warehouse.crossfit_sets) as has_crossfit,
    athlete_id in (select athlete_id from warehouse.training_load_daily) as has_training_load,
    athlete_id in (select athlete_id from warehouse.wellness_daily) as has_wellness,
    athlete_id in (
        select athlete_id from warehouse.model_runs
        union
        select athlete_id from warehouse.forecast_scenarios
    ) as has_forecast
from warehouse.athletes
