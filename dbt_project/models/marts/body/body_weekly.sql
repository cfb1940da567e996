{#-
    One row per athlete per ISO week (Monday start, local days) that has weigh-ins.
    Weekly means are means of the daily values, so a day weighed three times counts once; each
    mean is over the week's days that have that measure (weight_daily also has days without a
    weight, e.g. fat ratio only: they count for the fat ratio, not for the weight). A week
    whose days are all without a weight has no row. Variations compare with the calendar week
    just before; null when that week has no row.
-#}
with daily as (
    select * from {{ ref('weight_daily') }}
),

weekly as (
    select
        athlete_id,
        date_trunc('week', day)::date as week_start,
        avg(weight_kg) as weight_kg_mean,
        avg(fat_ratio_pct) as fat_ratio_pct_mean,
        count(weight_kg) as days_measured
    from daily
    group by athlete_id, date_trunc('week', day)::date
    having count(weight_kg) > 0
)

select
    this_week.athlete_id,
    this_week.week_start,
    extract(isoyear from this_week.week_start)::int as iso_year,
    extract(week from this_week.week_start)::int as iso_week,
    this_week.weight_kg_mean,
    this_week.fat_ratio_pct_mean,
    this_week.days_measured,
    this_week.weight_kg_mean - previous_week.weight_kg_mean as weight_kg_change,
    this_week.fat_ratio_pct_mean - previous_week.fat_ratio_pct_mean as fat_ratio_pct_change
from weekly as this_week
left join weekly as previous_week
    on
        this_week.athlete_id = previous_week.athlete_id
        and previous_week.week_start = this_week.week_start - 7
