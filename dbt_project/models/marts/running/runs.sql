{#-
    One row per run; every value comes from int_runs_weight_as_of (pace, speed, the as-of
    weight, the previous run), which reads marts.activities (Strava rows and activity files,
    each run once). This model decides which rows a build writes.

    Incremental (delete+insert on athlete_id, activity_id). Each run rewrites, per athlete,
    every run from the earliest of:
      - the athlete's latest stored start minus 28 days (activities edited on Strava lately),
      - the start of any run not stored yet (new runs, and old ones a bulk export backfills),
      - the start of any stored run whose as-of weigh-in changed (a weigh-in loaded after the
        run; found with one sort of weigh-ins and stored runs, below), or that is no longer a
        run,
      - the start of any stored run whose values changed (a better version of it arrived, an
        activity file after its Strava row, or an edit older than 28 days).
    The previous-run columns are computed over the whole history, so the first rewritten run
    gets its previous run right. The post-hook deletes stored runs that are no longer runs in
    marts.activities (e.g. a file-only run, stored under a negative id, whose Strava row came).
-#}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="
            {% if load_relation(ref('activities')) is none %}
                select 1
            {% else %}
                delete from {{ this }} as stored
                where not exists (
                    select 1 from {{ ref('activities') }} as activities
                    where
                        activities.sport = 'running'
                        and activities.athlete_id = stored.athlete_id
                        and activities.activity_number = stored.activity_id
                )
            {% endif %}"
    )
}}

-- depends_on: {{ ref('int_weigh_ins') }}
with runs as (
    select * from {{ ref('int_runs_weight_as_of') }}
),

{% if is_incremental() %}

    weigh_ins as (
        select * from {{ ref('int_weigh_ins') }}
    ),

    {# Weigh-ins and stored runs on one time line per athlete: for each weigh-in, the first
        stored run at or after it. That run is stale when the weigh-in is newer than the one it
        was computed with (and so are the runs after it: weighed_at grows with started_at), so
        one sort replaces a per-run search of every weigh-in. #}
    timeline as (
        select
            athlete_id,
            measured_at as at,
            0 as is_run
        from weigh_ins

        union all

        select
            athlete_id,
            started_at as at,
            1 as is_run
        from {{ this }}
    ),

    next_runs as (
        select
            athlete_id,
            at,
            is_run,
            -- A running minimum from the newest end (a frame that only grows: linear).
            min(case when is_run = 1 then at end) over (
                partition by athlete_id
                order by at desc, is_run desc
                rows between unbounded preceding and current row
            ) as next_run_at
        from timeline
    ),

    stale_points as (
        select
            athlete_id,
            max(started_at) - interval '28 days' as recompute_from
        from {{ this }}
        group by athlete_id

        union all

        select
            runs.athlete_id,
            min(runs.started_at) as recompute_from
        from runs
        where
            not exists (
                select 1 from {{ this }} as stored
                where
                    stored.athlete_id = runs.athlete_id
                    and stored.activity_id = runs.activity_id
            )
        group by runs.athlete_id

        union all

        select
            next_runs.athlete_id,
            min(next_runs.next_run_at) as recompute_from
        from next_runs
        inner join {{ this }} as stored
            on
                next_runs.athlete_id = stored.athlete_id
                and next_runs.next_run_at = stored.started_at
        where
            next_runs.is_run = 0
            and next_runs.at > coalesce(stored.weighed_at, '-infinity')
        group by next_runs.athlete_id

        union all

        select
            stored.athlete_id,
            min(stored.started_at) as recompute_from
        from {{ this }} as stored
        where
            not exists (
                select 1 from runs
                where
                    runs.athlete_id = stored.athlete_id
                    and runs.activity_id = stored.activity_id
            )
        group by stored.athlete_id

        union all

        select
            stored.athlete_id,
            min(least(stored.started_at, runs.started_at)) as recompute_from
        from {{ this }} as stored
        inner join runs
            on
                stored.athlete_id = runs.athlete_id
                and stored.activity_id = runs.activity_id
        where
            (
                stored.started_at, stored.activity_name, stored.sport_type,
                stored.started_at_local, stored.distance_km, stored.moving_time_s,
                stored.elapsed_time_s, stored.elevation_gain_m, stored.average_heartrate,
                stored.max_heartrate
            ) is distinct from (
                runs.started_at, runs.activity_name, runs.sport_type,
                runs.started_at_local, runs.distance_km, runs.moving_time_s,
                runs.elapsed_time_s, runs.elevation_gain_m, runs.average_heartrate,
                runs.max_heartrate
            )
        group by stored.athlete_id
    ),

    recompute as (
        select
            athlete_id,
            min(recompute_from) as recompute_from
        from stale_points
        group by athlete_id
    ),

{% endif %}

final as (
    select
        athlete_id,
        activity_id,
        activity_name,
        sport_type,
        started_at,
        started_at_local,
        timezone,
        run_day,
        week_start,
        distance_km,
        moving_time_s,
        elapsed_time_s,
        elevation_gain_m,
        average_heartrate,
        max_heartrate,
        pace_min_per_km,
        speed_kmh,
        weight_kg_at_run,
        weighed_at,
        weight_normalised_pace_min_per_km,
        previous_activity_id,
        previous_distance_km,
        previous_pace_min_per_km,
        previous_speed_kmh
    from runs
)

select final.* from final
{% if is_incremental() %}
    inner join recompute on final.athlete_id = recompute.athlete_id
    where final.started_at >= recompute.recompute_from
{% endif %}
