-- The Recovery page's and the Overview's wellness days (README "Writing pages"): one row per
-- athlete and day of warehouse.wellness_daily with its personal baselines. A baseline is the
-- mean and the sample standard deviation of the metric over the 60 days before the day (day-60
-- to day-1, the days that have a value; the day itself is left out so it can be compared with
-- it), blank until 14 such days exist. The band is mean - SD to mean + SD.
-- HRV is one metric per athlete, never mixed: Apple Health's SDNN when the athlete has any,
-- else Oura's RMSSD (the two measure different things and are not comparable).
with days as (
    select
        wellness.*,
        case
            when wellness.athlete_id in (
                select athlete_id from warehouse.wellness_daily where hrv_sdnn_ms is not null
            ) then 'SDNN'
            else 'RMSSD'
        end as hrv_metric
    from warehouse.wellness_daily as wellness
),

measured as (
    select
        *,
        case when hrv_metric = 'SDNN' then hrv_sdnn_ms else hrv_rmssd_ms end as hrv_ms
    from days
),

windowed as (
    select
        *,
        avg(hrv_ms) over prior_60 as hrv_mean_60,
        stddev_samp(hrv_ms) over prior_60 as hrv_sd_60,
        count(hrv_ms) over prior_60 as hrv_days_60,
        avg(resting_hr) over prior_60 as resting_hr_mean_60,
        stddev_samp(resting_hr) over prior_60 as resting_hr_sd_60,
        count(resting_hr) over prior_60 as resting_hr_days_60
    from measured
    window prior_60 as (
        partition by athlete_id order by "day"
        range between interval 60 days preceding and interval 1 days preceding
    )
)

select
    athlete_id,
    "day",
    steps,
    resting_hr,
    hrv_metric,
    hrv_ms,
    sleep_h,
    sleep_deep_h,
    sleep_rem_h,
    sleep_efficiency,
    readiness,
    source_summary,
    hrv_days_60,
    resting_hr_days_60,
    case when hrv_days_60 >= 14 then hrv_mean_60 end as hrv_baseline,
    case when hrv_days_60 >= 14 then hrv_sd_60 end as hrv_sd,
    case when hrv_days_60 >= 14 then hrv_mean_60 - hrv_sd_60 end as hrv_band_low,
    case when hrv_days_60 >= 14 then hrv_mean_60 + hrv_sd_60 end as hrv_band_high,
    case when resting_hr_days_60 >= 14 then resting_hr_mean_60 end as resting_hr_baseline,
    case when resting_hr_days_60 >= 14 then resting_hr_sd_60 end as resting_hr_sd,
    case
        when resting_hr_days_60 >= 14 then resting_hr_mean_60 - resting_hr_sd_60
    end as resting_hr_band_low,
    case
        when resting_hr_days_60 >= 14 then resting_hr_mean_60 + resting_hr_sd_60
    end as resting_hr_band_high
from windowed
