{#-
    One row per athlete per local day with any wellness data (Apple Health steps, resting
    heart rate, HRV, sleep; Oura sleep and readiness). The rules (wellness_daily.yml says them
    in full, with a unit test each):

    steps: counted once. Every source's records are summed per local day (the day of each
        record's start, in its own "+HHMM"); the day's steps are the largest single-source
        total (iPhone and Watch count the same walks, so their sum double counts).
    sleep: asleep stages only (asleep_core/deep/rem/unspecified; not in_bed, not awake), as a
        union of intervals over every app (overlaps and repeats count once). Union islands less
        than 2 hours apart are one sleep; a sleep belongs to the local day of its last asleep
        instant (the day you wake up on), and a day's sleep is its longest (its main sleep;
        naps are left out). Deep and REM are the union of those stages within that sleep, null
        when no app staged it. In bed = from the earlier of the first InBed start and the first
        asleep instant to the later of the last InBed end and the last asleep instant; without
        an InBed segment, from the first to the last asleep instant. Efficiency = asleep / in bed.
        Oura first: on a day with an Oura long_sleep (its longest), sleep_h, deep, REM and
        efficiency (Oura's percent / 100) all come from it; else from Apple Health.
    resting_hr: Apple's RestingHeartRate (mean of the day's records), else the lowest heart
        rate of that day's Oura long sleep.
    hrv_sdnn_ms: mean of the day's Apple SDNN samples; hrv_rmssd_ms: the Oura long sleep's mean.
-#}
{%- set same_sleep_gap = "interval '2 hours'" %}

{#- Every input through ref_or_empty: an Oura-only job on a new warehouse builds this mart
    before the Apple Health staging views exist, and an Apple Health job before Oura's. #}
with apple_records as (
    {{ ref_or_empty('stg_apple_health__records', {
        'athlete_id': 'text',
        'record_type': 'text',
        'source_name': 'text',
        'value': 'double precision',
        'local_day': 'date',
    }) }}
),

records as (
    select *
    from apple_records
    where record_type in ('step_count', 'resting_heart_rate', 'hrv_sdnn')
),

sleep_segments as (
    {{ ref_or_empty('stg_apple_health__sleep', {
        'athlete_id': 'text',
        'stage': 'text',
        'is_asleep': 'boolean',
        'start_at': 'timestamptz',
        'end_at': 'timestamptz',
        'end_offset_s': 'integer',
    }) }}
),

oura_sleep as (
    {{ ref_or_empty('stg_oura__sleep', {
        'athlete_id': 'text',
        'day': 'date',
        'sleep_type': 'text',
        'total_sleep_s': 'double precision',
        'deep_sleep_s': 'double precision',
        'rem_sleep_s': 'double precision',
        'time_in_bed_s': 'double precision',
        'efficiency': 'double precision',
        'average_hrv_ms': 'double precision',
        'lowest_heart_rate': 'double precision',
    }) }}
),

oura_readiness as (
    {{ ref_or_empty('stg_oura__daily_readiness', {
        'athlete_id': 'text',
        'day': 'date',
        'score': 'double precision',
    }) }}
),

source_steps as (
    select
        athlete_id,
        local_day as day,
        source_name,
        sum(value) as steps
    from records
    where record_type = 'step_count'
    group by athlete_id, local_day, source_name
),

steps as (
    select distinct on (athlete_id, day)
        athlete_id,
        day,
        steps,
        source_name as steps_source
    from source_steps
    order by athlete_id asc, day asc, steps desc, source_name asc
),

heart as (
    select
        athlete_id,
        local_day as day,
        avg(value) filter (where record_type = 'resting_heart_rate') as apple_resting_hr,
        avg(value) filter (where record_type = 'hrv_sdnn') as hrv_sdnn_ms,
        count(*) filter (where record_type = 'hrv_sdnn') as hrv_sdnn_samples
    from records
    where record_type in ('resting_heart_rate', 'hrv_sdnn')
    group by athlete_id, local_day
),

{# Each interval once per track: every asleep stage in 'asleep'; deep, REM, any staged
    (core/deep/REM) and in-bed segments in a track of their own. #}
tracks as (
    select
        athlete_id,
        'asleep' as track,
        start_at,
        end_at,
        end_offset_s
    from sleep_segments
    where is_asleep
    union all
    select
        athlete_id,
        case when stage = 'asleep_core' then 'staged' else stage end as track,
        start_at,
        end_at,
        end_offset_s
    from sleep_segments
    where stage in ('asleep_core', 'asleep_deep', 'asleep_rem', 'in_bed')
    union all
    select
        athlete_id,
        'staged' as track,
        start_at,
        end_at,
        end_offset_s
    from sleep_segments
    where stage in ('asleep_deep', 'asleep_rem')
),

reach as (
    select
        *,
        max(end_at) over (
            partition by athlete_id, track order by start_at, end_at
            rows between unbounded preceding and 1 preceding
        ) as reached
    from tracks
),

{# Union of intervals: a segment starting after everything before it ended opens an island. #}
numbered as (
    select
        *,
        sum(case when reached is null or start_at > reached then 1 else 0 end) over (
            partition by athlete_id, track order by start_at, end_at
            rows between unbounded preceding and current row
        ) as island
    from reach
),

islands as (
    select
        athlete_id,
        track,
        island,
        min(start_at) as start_at,
        max(end_at) as end_at,
        extract(epoch from max(end_at) - min(start_at))::double precision as seconds,
        (array_agg(end_offset_s order by end_at desc))[1] as end_offset_s
    from numbered
    group by athlete_id, track, island
),

asleep_islands as (
    select
        *,
        sum(case when start_at <= previous_end + {{ same_sleep_gap }} then 0 else 1 end) over (
            partition by athlete_id order by start_at
            rows between unbounded preceding and current row
        ) as sleep_id
    from (
        select
            athlete_id,
            start_at,
            end_at,
            end_offset_s,
            lag(end_at) over (partition by athlete_id order by start_at) as previous_end
        from islands
        where track = 'asleep'
    ) as ordered
),

sleeps as (
    select
        athlete_id,
        sleep_id,
        min(start_at) as asleep_from,
        max(end_at) as asleep_until,
        sum(extract(epoch from end_at - start_at))::double precision as asleep_s,
        (array_agg(end_offset_s order by end_at desc))[1] as wake_offset_s
    from asleep_islands
    group by athlete_id, sleep_id
),

sleep_parts as (
    select
        sleeps.athlete_id,
        sleeps.sleep_id,
        sum(parts.seconds) filter (where parts.track = 'asleep_deep') as deep_s,
        sum(parts.seconds) filter (where parts.track = 'asleep_rem') as rem_s,
        count(*) filter (where parts.track = 'staged') as staged_islands,
        min(parts.start_at) filter (where parts.track = 'in_bed') as in_bed_from,
        max(parts.end_at) filter (where parts.track = 'in_bed') as in_bed_until
    from sleeps
    inner join islands as parts
        on
            sleeps.athlete_id = parts.athlete_id
            and sleeps.asleep_until > parts.start_at
            and sleeps.asleep_from < parts.end_at
            and parts.track <> 'asleep'
    group by sleeps.athlete_id, sleeps.sleep_id
),

apple_nights as (
    select
        sleeps.athlete_id,
        (
            (sleeps.asleep_until at time zone 'UTC')
            + make_interval(secs => sleeps.wake_offset_s)
        )::date as day,
        sleeps.asleep_s,
        case when parts.staged_islands > 0 then coalesce(parts.deep_s, 0) end as deep_s,
        case when parts.staged_islands > 0 then coalesce(parts.rem_s, 0) end as rem_s,
        extract(
            epoch from
            greatest(parts.in_bed_until, sleeps.asleep_until)
            - least(parts.in_bed_from, sleeps.asleep_from)
        )::double precision as in_bed_s,
        parts.in_bed_from is not null as has_in_bed
    from sleeps
    left join sleep_parts as parts
        on
            sleeps.athlete_id = parts.athlete_id
            and sleeps.sleep_id = parts.sleep_id
),

apple_sleep as (
    select distinct on (athlete_id, day) *
    from apple_nights
    order by athlete_id asc, day asc, asleep_s desc
),

oura_night as (
    select distinct on (athlete_id, day) *
    from oura_sleep
    where sleep_type = 'long_sleep'
    order by athlete_id asc, day asc, total_sleep_s desc nulls last
),

readiness as (
    select
        athlete_id,
        day,
        avg(score) as score
    from oura_readiness
    group by athlete_id, day
),

days as (
    select
        athlete_id,
        day
    from steps
    union
    select
        athlete_id,
        day
    from heart
    union
    select
        athlete_id,
        day
    from apple_sleep
    union
    select
        athlete_id,
        day
    from oura_night
    union
    select
        athlete_id,
        day
    from readiness
),

joined as (
    select
        days.athlete_id,
        days.day,
        steps.steps,
        steps.steps_source,
        heart.apple_resting_hr,
        heart.hrv_sdnn_ms,
        coalesce(heart.hrv_sdnn_samples, 0) as hrv_sdnn_samples,
        oura_night.lowest_heart_rate as oura_lowest_hr,
        oura_night.average_hrv_ms as hrv_rmssd_ms,
        oura_night.total_sleep_s is not null as oura_sleep,
        oura_night.total_sleep_s,
        oura_night.deep_sleep_s,
        oura_night.rem_sleep_s,
        oura_night.time_in_bed_s,
        oura_night.efficiency,
        apple_sleep.asleep_s,
        apple_sleep.deep_s,
        apple_sleep.rem_s,
        apple_sleep.in_bed_s,
        apple_sleep.has_in_bed,
        readiness.score as readiness
    from days
    left join steps on days.athlete_id = steps.athlete_id and days.day = steps.day
    left join heart on days.athlete_id = heart.athlete_id and days.day = heart.day
    left join apple_sleep
        on days.athlete_id = apple_sleep.athlete_id and days.day = apple_sleep.day
    left join oura_night
        on days.athlete_id = oura_night.athlete_id and days.day = oura_night.day
    left join readiness on days.athlete_id = readiness.athlete_id and days.day = readiness.day
),

chosen as (
    select
        *,
        case
            when oura_sleep then 'oura'
            when asleep_s is not null then 'apple_health'
        end as sleep_source,
        case
            when apple_resting_hr is not null then 'apple_health'
            when oura_lowest_hr is not null then 'oura'
        end as resting_hr_source
    from joined
)

select
    athlete_id,
    day,
    steps,
    coalesce(apple_resting_hr, oura_lowest_hr) as resting_hr,
    hrv_sdnn_ms,
    hrv_rmssd_ms,
    case when oura_sleep then total_sleep_s else asleep_s end / 3600.0 as sleep_h,
    case when oura_sleep then deep_sleep_s else deep_s end / 3600.0 as sleep_deep_h,
    case when oura_sleep then rem_sleep_s else rem_s end / 3600.0 as sleep_rem_h,
    case
        when oura_sleep then efficiency / 100.0
        when in_bed_s > 0 then asleep_s / in_bed_s
    end as sleep_efficiency,
    readiness,
    concat_ws(
        '; ',
        'steps: ' || steps_source,
        'sleep: ' || sleep_source,
        'resting_hr: ' || resting_hr_source,
        case when hrv_sdnn_ms is not null then 'hrv_sdnn: apple_health' end,
        case when hrv_rmssd_ms is not null then 'hrv_rmssd: oura' end,
        case when readiness is not null then 'readiness: oura' end
    ) as source_summary,
    steps_source,
    sleep_source,
    resting_hr_source,
    hrv_sdnn_samples,
    case when oura_sleep then time_in_bed_s else in_bed_s end / 3600.0 as sleep_in_bed_h,
    case
        when oura_sleep then 'oura'
        when has_in_bed then 'in_bed_segments'
        when asleep_s is not null then 'first_to_last_asleep'
    end as sleep_in_bed_basis
from chosen
