{#-
    One row per run (is_run: Run, TrailRun, VirtualRun) with pace, speed, the athlete's weight
    as of the run (latest weigh-in at or before the start instant), a weight-normalised pace and
    the previous run's values.

    Incremental (delete+insert on athlete_id, activity_id). Each run recomputes, per athlete,
    every run from the earliest of:
      - the athlete's latest stored start minus 28 days (activities edited on Strava lately),
      - the start of any run not stored yet (new runs, and old ones a bulk export backfills),
      - the start of any stored run whose as-of weigh-in changed (a weigh-in loaded after the
        run; found with one sort of weigh-ins and stored runs, below), or that is no longer a
        run,
    plus the run just before that point, read only so the first recomputed run gets its
    previous-run columns. The post-hook deletes stored runs that are no longer runs in staging.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="
            {% if load_relation(ref('stg_strava__activities')) is none %}
                select 1
            {% else %}
                delete from {{ this }} as stored
                where not exists (
                    select 1 from {{ ref('stg_strava__activities') }} as activities
                    where
                        activities.is_run
                        and activities.athlete_id = stored.athlete_id
                        and activities.activity_id = stored.activity_id
                )
            {% endif %}"
    )
}}

{%- set reference_weight_kg = 70.0 %}
{#- A refresh of one source on a new warehouse (its job rebuilds everything downstream) can
    reach this model before the other source's staging view exists: read it as empty then. -#}
{%- set strava_activities = ref('stg_strava__activities') %}
{%- set withings_measures = ref('stg_withings__measures') %}
-- noqa: disable=TMP
{% set check_inputs = execute and model.resource_type != 'unit_test' %}
{% set has_activities = not check_inputs or load_relation(strava_activities) is not none %}
{% set has_weigh_ins = not check_inputs or load_relation(withings_measures) is not none %}
-- noqa: enable=TMP

with activities as (
    {% if has_activities -%}
        select
            athlete_id,
            activity_id,
            activity_name,
            sport_type,
            started_at,
            started_at_local,
            timezone,
            distance_km,
            moving_time_s,
            elapsed_time_s,
            elevation_gain_m,
            average_heartrate,
            max_heartrate
        from {{ strava_activities }}
        where is_run
    {%- else -%}
        select
            null::text as athlete_id,
            null::bigint as activity_id,
            null::text as activity_name,
            null::text as sport_type,
            null::timestamptz as started_at,
            null::timestamp as started_at_local,
            null::text as timezone,
            null::double precision as distance_km,
            null::bigint as moving_time_s,
            null::bigint as elapsed_time_s,
            null::double precision as elevation_gain_m,
            null::double precision as average_heartrate,
            null::double precision as max_heartrate
        where false
    {%- endif %}
),

weigh_ins as (
    {% if has_weigh_ins -%}
        select
            athlete_id,
            measured_at,
            value as weight_kg
        from {{ withings_measures }}
        where measure_name = 'weight_kg'
    {%- else -%}
        select
            null::text as athlete_id,
            null::timestamptz as measured_at,
            null::double precision as weight_kg
        where false
    {%- endif %}
),

{% if is_incremental() %}

    {#- Weigh-ins and stored runs on one time line per athlete: for each weigh-in, the first
        stored run at or after it. That run is stale when the weigh-in is newer than the one it
        was computed with (and so are the runs after it: weighed_at grows with started_at), so
        one sort replaces a per-run search of every weigh-in. -#}
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
            activities.athlete_id,
            min(activities.started_at) as recompute_from
        from activities
        where
            not exists (
                select 1 from {{ this }} as stored
                where
                    stored.athlete_id = activities.athlete_id
                    and stored.activity_id = activities.activity_id
            )
        group by activities.athlete_id

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
                select 1 from activities
                where
                    activities.athlete_id = stored.athlete_id
                    and activities.activity_id = stored.activity_id
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

    context_run as (
        select distinct on (activities.athlete_id) activities.*
        from activities
        inner join recompute on activities.athlete_id = recompute.athlete_id
        where activities.started_at < recompute.recompute_from
        order by activities.athlete_id asc, activities.started_at desc, activities.activity_id desc
    ),

    selected as (
        select activities.*
        from activities
        inner join recompute on activities.athlete_id = recompute.athlete_id
        where activities.started_at >= recompute.recompute_from

        union all

        select * from context_run
    ),

{% else %}

    selected as (
        select * from activities
    ),

{% endif %}

measured as (
    select
        athlete_id,
        activity_id,
        activity_name,
        sport_type,
        started_at,
        coalesce(started_at_local, started_at at time zone coalesce(timezone, 'UTC'))
            as started_at_local,
        timezone,
        distance_km,
        moving_time_s,
        elapsed_time_s,
        elevation_gain_m,
        average_heartrate,
        max_heartrate,
        case
            when distance_km > 0 and moving_time_s > 0
                then moving_time_s / 60.0 / distance_km
        end as pace_min_per_km,
        case
            when moving_time_s > 0 then distance_km * 3600 / moving_time_s
        end as speed_kmh
    from selected
),

with_weight as (
    select
        measured.*,
        weigh_in.weight_kg as weight_kg_at_run,
        weigh_in.measured_at as weighed_at
    from measured
    left join lateral (
        select
            weigh_ins.weight_kg,
            weigh_ins.measured_at
        from weigh_ins
        where
            weigh_ins.athlete_id = measured.athlete_id
            and weigh_ins.measured_at <= measured.started_at
        order by weigh_ins.measured_at desc
        limit 1
    ) as weigh_in on true
),

final as (
    select
        athlete_id,
        activity_id,
        activity_name,
        sport_type,
        started_at,
        started_at_local,
        timezone,
        started_at_local::date as run_day,
        date_trunc('week', started_at_local)::date as week_start,
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
        pace_min_per_km * {{ reference_weight_kg }} / weight_kg_at_run
            as weight_normalised_pace_min_per_km,
        lag(activity_id) over previous_run as previous_activity_id,
        lag(distance_km) over previous_run as previous_distance_km,
        lag(pace_min_per_km) over previous_run as previous_pace_min_per_km,
        lag(speed_kmh) over previous_run as previous_speed_kmh
    from with_weight
    window previous_run as (partition by athlete_id order by started_at, activity_id)
)

select final.* from final
{% if is_incremental() %}
    inner join recompute on final.athlete_id = recompute.athlete_id
    where final.started_at >= recompute.recompute_from
{% endif %}
