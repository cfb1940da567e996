{#-
    Fastest 400 m, 1 km, 1 mile, 5 km, 10 km, half and full marathon of each running activity
    with records, over distance windows of its records (not laps), and the athlete's ranking.

      distance d  = running maximum of the samples' distance (a GPS step back is not re-run)
      marks       = the timer time at which each 10 m mark m is passed, interpolated linearly
                    between consecutive samples (d0 < m <= d1: t0 + (m − d0)/(d1 − d0) ×
                    (t1 − t0)); the first sample itself when it sits on a mark (0 m). Marks are
                    consecutive, so mark k + n is n rows later.
      effort D    = min over marks k of t(k·10 + D) − t(k·10); t at D/10 marks later, the
                    fraction of a mark (1 mile = 160.9344 marks) interpolated between two marks
      time basis  = timer_s: pauses are excluded (a stop at a red light does not count)
      resolution  = windows start on the 10 m grid: the result is the best window starting
                    on a mark, never faster than the best window anywhere, and slower by at
                    most the time to cover 10 m at the pace around the best window's start
      athlete_rank = 1 for the personal best (fastest; ties: earlier start first)

    Incremental (delete+insert on athlete_id, activity_id): a build rewrites the running
    activities whose chosen version is not the one stored; post-hooks delete the rows of
    versions no longer chosen and re-rank the whole table (small: at most 7 rows a run).
-#}
{%- set step_m = 10 %}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{{ delete_superseded(this, \"current_activity.sport = 'running'
                and current_activity.has_records\") }}",
            "{{ rank_best_efforts(this) }}",
        ]
    )
}}

with runs as (
    select
        athlete_id,
        activity_id,
        content_sha256,
        version_fingerprint
    from {{ ref('activities') }} as chosen
    where
        sport = 'running'
        and has_records
        {% if is_incremental() %}and {{ not_stored(this, 'chosen') }}{% endif %}
),

samples as (
    select
        records.athlete_id,
        records.activity_id,
        records.recorded_at,
        records.elapsed_s,
        records.timer_s,
        max(records.distance_m) over (
            partition by records.athlete_id, records.activity_id
            order by records.recorded_at
            rows between unbounded preceding and current row
        ) as distance_m
    from {{ ref('activity_records') }} as records
    inner join runs
        on
            records.athlete_id = runs.athlete_id
            and records.activity_id = runs.activity_id
),

steps as (
    select
        *,
        lag(distance_m) over by_time as previous_distance_m,
        lag(elapsed_s) over by_time as previous_elapsed_s,
        lag(timer_s) over by_time as previous_timer_s,
        min(recorded_at - elapsed_s * interval '1 second') over (
            partition by athlete_id, activity_id
        ) as file_started_at
    from samples
    window by_time as (partition by athlete_id, activity_id order by recorded_at)
),

marks as (
    select
        athlete_id,
        activity_id,
        file_started_at,
        (distance_m / {{ step_m }})::int as mark,
        elapsed_s,
        timer_s
    from steps
    where
        previous_distance_m is null
        and distance_m is not null
        and distance_m = floor(distance_m / {{ step_m }}) * {{ step_m }}

    union all

    select
        steps.athlete_id,
        steps.activity_id,
        steps.file_started_at,
        grid.mark,
        steps.previous_elapsed_s
        + (grid.mark * {{ step_m }} - steps.previous_distance_m)
        / (steps.distance_m - steps.previous_distance_m)
        * (steps.elapsed_s - steps.previous_elapsed_s) as elapsed_s,
        steps.previous_timer_s
        + (grid.mark * {{ step_m }} - steps.previous_distance_m)
        / (steps.distance_m - steps.previous_distance_m)
        * (steps.timer_s - steps.previous_timer_s) as timer_s
    from steps
    cross join
        lateral generate_series(
            floor(steps.previous_distance_m / {{ step_m }})::int + 1,
            floor(steps.distance_m / {{ step_m }})::int
        ) as grid (mark)
    where steps.distance_m > steps.previous_distance_m
),

windows as (
    select
        athlete_id,
        activity_id,
        file_started_at,
        mark,
        elapsed_s,
        timer_s,
        {{ timer_after_distance(400, step_m) }} - timer_s as effort_400m_s,
        {{ timer_after_distance(1000, step_m) }} - timer_s as effort_1km_s,
        {{ timer_after_distance(1609.344, step_m) }} - timer_s as effort_1mile_s,
        {{ timer_after_distance(5000, step_m) }} - timer_s as effort_5km_s,
        {{ timer_after_distance(10000, step_m) }} - timer_s as effort_10km_s,
        {{ timer_after_distance(21097.5, step_m) }} - timer_s as effort_half_s,
        {{ timer_after_distance(42195, step_m) }} - timer_s as effort_marathon_s
    from marks
    window by_mark as (partition by athlete_id, activity_id order by mark)
),

candidates as (
    select
        windows.athlete_id,
        windows.activity_id,
        efforts.effort,
        efforts.distance_m,
        efforts.seconds,
        windows.mark * {{ step_m }} as start_distance_m,
        windows.file_started_at + windows.elapsed_s * interval '1 second' as started_at
    from windows
    cross join
        lateral (
            values
            ('400 m', 400.0::double precision, windows.effort_400m_s),
            ('1 km', 1000.0, windows.effort_1km_s),
            ('1 mile', 1609.344, windows.effort_1mile_s),
            ('5 km', 5000.0, windows.effort_5km_s),
            ('10 km', 10000.0, windows.effort_10km_s),
            ('half marathon', 21097.5, windows.effort_half_s),
            ('marathon', 42195.0, windows.effort_marathon_s)
        ) as efforts (effort, distance_m, seconds)
    where efforts.seconds > 0
),

best as (
    select distinct on (athlete_id, activity_id, effort)
        athlete_id,
        activity_id,
        effort,
        distance_m,
        seconds,
        start_distance_m,
        started_at
    from candidates
    order by athlete_id, activity_id, effort, seconds, start_distance_m
)

select
    best.athlete_id,
    best.activity_id,
    runs.content_sha256,
    runs.version_fingerprint,
    best.effort,
    best.distance_m,
    best.seconds,
    best.started_at,
    best.start_distance_m,
    best.seconds / 60.0 / (best.distance_m / 1000.0) as pace_min_per_km,
    best.distance_m / nullif(best.seconds, 0) as speed_mps,
    -- complete on a full build; after an incremental one the post-hook ranks the whole table
    row_number() over (
        partition by best.athlete_id, best.effort
        order by best.seconds, best.started_at, best.activity_id
    ) as athlete_rank
from best
inner join runs
    on
        best.athlete_id = runs.athlete_id
        and best.activity_id = runs.activity_id
