{#-
    One row per lap of each activity's chosen version. Laps the file recorded (lap_source
    'file', lap_index as in the file); when the chosen version has none, automatic 1-km splits
    of its samples (lap_source 'auto_1km'):

      distance d = the running maximum of the samples' distance (a GPS step back is not a
                   second crossing); split k covers d from k × 1000 m to (k + 1) × 1000 m,
                   the first from the first sample, the last to the last sample (kept when
                   its distance is positive)
      crossing   between consecutive samples (d0, t0) → (d1, t1) with d0 < k × 1000 <= d1:
                 t = t0 + (k × 1000 − d0) / (d1 − d0) × (t1 − t0), on the wall clock
                 (elapsed_s) and on the timer (timer_s) alike
      split      distance_m, elapsed_time_s (wall clock), moving_time_s (timer),
                 avg_speed_mps = distance_m / moving_time_s; heart rate and power = mean and
                 max of the samples whose d is in the split (a sample on a mark starts the
                 next split)

    Incremental (delete+insert on athlete_id, activity_id): a build rewrites the activities
    whose chosen version (version_fingerprint) is not the one stored; the post-hook deletes
    the laps of versions no longer chosen.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_superseded(this, 'current_activity.content_sha256 is not null') }}"
    )
}}

with activities as (
    select
        athlete_id,
        activity_id,
        content_sha256,
        version_fingerprint,
        has_records
    from {{ ref('activities') }} as chosen
    where
        content_sha256 is not null
        {% if is_incremental() %}and {{ not_stored(this, 'chosen') }}{% endif %}
),

laps as (
    {{ ref_or_empty('stg_activity_files__laps', {
        'content_sha256': 'text',
        'athlete_id': 'text',
        'lap_index': 'integer',
        'started_at': 'timestamptz',
        'elapsed_time_s': 'double precision',
        'moving_time_s': 'double precision',
        'distance_m': 'double precision',
        'avg_heart_rate': 'double precision',
        'max_heart_rate': 'double precision',
        'avg_speed_mps': 'double precision',
        'avg_power_w': 'double precision',
    }) }}
),

file_laps as (
    select
        activities.athlete_id,
        activities.activity_id,
        activities.content_sha256,
        activities.version_fingerprint,
        laps.lap_index,
        'file' as lap_source,
        laps.started_at,
        laps.elapsed_time_s,
        laps.moving_time_s,
        laps.distance_m,
        laps.avg_heart_rate,
        laps.max_heart_rate,
        coalesce(laps.avg_speed_mps, laps.distance_m / nullif(laps.moving_time_s, 0))
            as avg_speed_mps,
        laps.avg_power_w
    from activities
    inner join laps
        on
            activities.content_sha256 = laps.content_sha256
            and activities.athlete_id = laps.athlete_id
),

without_laps as (
    select
        athlete_id,
        activity_id,
        content_sha256,
        version_fingerprint
    from activities
    where
        has_records
        and not exists (
            select 1 from file_laps
            where
                file_laps.athlete_id = activities.athlete_id
                and file_laps.activity_id = activities.activity_id
        )
),

samples as (
    select
        records.athlete_id,
        records.activity_id,
        records.recorded_at,
        records.elapsed_s,
        records.timer_s,
        records.heart_rate,
        records.power_w,
        max(records.distance_m) over (
            partition by records.athlete_id, records.activity_id
            order by records.recorded_at
            rows between unbounded preceding and current row
        ) as distance_m
    from {{ ref('activity_records') }} as records
    inner join without_laps
        on
            records.athlete_id = without_laps.athlete_id
            and records.activity_id = without_laps.activity_id
),

steps as (
    select
        *,
        lag(distance_m) over by_time as previous_distance_m,
        lag(elapsed_s) over by_time as previous_elapsed_s,
        lag(timer_s) over by_time as previous_timer_s
    from samples
    window by_time as (partition by athlete_id, activity_id order by recorded_at)
),

crossings as (
    select
        steps.athlete_id,
        steps.activity_id,
        1 as kind,
        km.mark * 1000.0 as distance_m,
        steps.previous_elapsed_s
        + (km.mark * 1000.0 - steps.previous_distance_m)
        / (steps.distance_m - steps.previous_distance_m)
        * (steps.elapsed_s - steps.previous_elapsed_s) as elapsed_s,
        steps.previous_timer_s
        + (km.mark * 1000.0 - steps.previous_distance_m)
        / (steps.distance_m - steps.previous_distance_m)
        * (steps.timer_s - steps.previous_timer_s) as timer_s
    from steps
    cross join
        lateral generate_series(
            floor(steps.previous_distance_m / 1000)::int + 1,
            floor(steps.distance_m / 1000)::int
        ) as km (mark)
    where steps.distance_m > steps.previous_distance_m
),

ends as (
    select
        athlete_id,
        activity_id,
        min(recorded_at - elapsed_s * interval '1 second') as file_started_at,
        min(elapsed_s) filter (where distance_m is not null) as first_elapsed_s,
        min(timer_s) filter (where distance_m is not null) as first_timer_s,
        min(distance_m) as first_distance_m,
        max(elapsed_s) as last_elapsed_s,
        max(timer_s) as last_timer_s,
        max(distance_m) as last_distance_m
    from samples
    group by athlete_id, activity_id
),

boundaries as (
    select
        athlete_id,
        activity_id,
        0 as kind,
        first_distance_m as distance_m,
        first_elapsed_s as elapsed_s,
        first_timer_s as timer_s
    from ends

    union all

    select * from crossings

    union all

    select
        athlete_id,
        activity_id,
        2 as kind,
        last_distance_m as distance_m,
        last_elapsed_s as elapsed_s,
        last_timer_s as timer_s
    from ends
),

splits as (
    select
        athlete_id,
        activity_id,
        (row_number() over by_distance - 1)::int as lap_index,
        elapsed_s as start_elapsed_s,
        lead(elapsed_s) over by_distance - elapsed_s as elapsed_time_s,
        lead(timer_s) over by_distance - timer_s as moving_time_s,
        lead(distance_m) over by_distance - distance_m as distance_m
    from boundaries
    where distance_m is not null
    window by_distance as (
        partition by athlete_id, activity_id order by distance_m, elapsed_s, kind
    )
),

{# A sample's split from its distance: floor(d / 1000) counted from the first sample's
    kilometre, the samples at the very end (d = the last mark) kept in the last split. #}
sample_splits as (
    select
        samples.athlete_id,
        samples.activity_id,
        samples.heart_rate,
        samples.power_w,
        least(
            floor(samples.distance_m / 1000)::int,
            ceil(ends.last_distance_m / 1000)::int - 1
        ) - floor(ends.first_distance_m / 1000)::int as lap_index
    from samples
    inner join ends
        on
            samples.athlete_id = ends.athlete_id
            and samples.activity_id = ends.activity_id
    where samples.distance_m is not null
),

split_samples as (
    select
        athlete_id,
        activity_id,
        lap_index,
        avg(heart_rate)::double precision as avg_heart_rate,
        max(heart_rate)::double precision as max_heart_rate,
        avg(power_w)::double precision as avg_power_w
    from sample_splits
    group by athlete_id, activity_id, lap_index
),

auto_laps as (
    select
        splits.athlete_id,
        splits.activity_id,
        without_laps.content_sha256,
        without_laps.version_fingerprint,
        splits.lap_index,
        'auto_1km' as lap_source,
        ends.file_started_at + splits.start_elapsed_s * interval '1 second' as started_at,
        splits.elapsed_time_s,
        splits.moving_time_s,
        splits.distance_m,
        split_samples.avg_heart_rate,
        split_samples.max_heart_rate,
        splits.distance_m / nullif(splits.moving_time_s, 0) as avg_speed_mps,
        split_samples.avg_power_w
    from splits
    inner join without_laps
        on
            splits.athlete_id = without_laps.athlete_id
            and splits.activity_id = without_laps.activity_id
    inner join ends
        on
            splits.athlete_id = ends.athlete_id
            and splits.activity_id = ends.activity_id
    left join split_samples
        on
            splits.athlete_id = split_samples.athlete_id
            and splits.activity_id = split_samples.activity_id
            and splits.lap_index = split_samples.lap_index
    where splits.distance_m > 0
)

select * from file_laps
union all
select * from auto_laps
