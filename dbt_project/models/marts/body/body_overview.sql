{#-
    One row per athlete and metric: the metric's own latest daily value, the day it was
    measured, and the change since one week, one month and one year before THAT day, each
    against the metric's latest value on or before the reference date (null when there is
    none). Each metric is taken over the weight_daily rows where it is not null, so a newer day
    with a fat ratio but no weight is the latest fat ratio while the weight keeps its own day.
-#}
with daily as (
    select * from {{ ref('weight_daily') }}
),

metric_values as (
    select
        daily.athlete_id,
        daily.day,
        unpivoted.metric,
        unpivoted.value
    from daily
    cross join lateral (
        values
        ('weight_kg', daily.weight_kg),
        ('fat_ratio_pct', daily.fat_ratio_pct),
        ('fat_mass_kg', daily.fat_mass_kg),
        ('muscle_mass_kg', daily.muscle_mass_kg)
    ) as unpivoted (metric, value)
),

measured as (
    select * from metric_values
    where value is not null
),

latest as (
    select distinct on (athlete_id, metric)
        athlete_id,
        metric,
        day as last_day,
        value as last_value
    from measured
    order by athlete_id asc, metric asc, day desc
)

select
    latest.athlete_id,
    latest.metric,
    latest.last_day,
    latest.last_value,
    latest.last_value - week_before.value as change_1w,
    latest.last_value - month_before.value as change_1m,
    latest.last_value - year_before.value as change_1y
from latest
left join lateral (
    select measured.value from measured
    where
        measured.athlete_id = latest.athlete_id
        and measured.metric = latest.metric
        and measured.day <= latest.last_day - interval '7 days'
    order by measured.day desc limit 1
) as week_before on true
left join lateral (
    select measured.value from measured
    where
        measured.athlete_id = latest.athlete_id
        and measured.metric = latest.metric
        and measured.day <= latest.last_day - interval '1 month'
    order by measured.day desc limit 1
) as month_before on true
left join lateral (
    select measured.value from measured
    where
        measured.athlete_id = latest.athlete_id
        and measured.metric = latest.metric
        and measured.day <= latest.last_day - interval '1 year'
    order by measured.day desc limit 1
) as year_before on true
