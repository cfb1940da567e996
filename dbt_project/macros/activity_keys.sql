{#- Keys of the activity marts. -#}

{#- The bigint id of an activity in marts.runs (whose activity_id has always been Strava's): the
    Strava activity id when the activity has one, else a negative number from the first 60 bits
    of the md5 activity_id (never 0, never positive, so never a Strava id). -#}
{% macro activity_number(activity_id, strava_activity_id) -%}
    coalesce(
        {{ strava_activity_id }},
        -1 - ('x' || substr({{ activity_id }}, 1, 15))::bit(60)::bigint
    )
{%- endmacro %}

{#- What the incremental activity marts store of the version they were computed from: 64 bits
    of md5(content_sha256 | dlt load id), so a version chosen instead, or the same version
    loaded again (its samples replaced), differs; null for a Strava row (no file). -#}
{% macro version_fingerprint(content_sha256, load_id) -%}
    case
        when {{ content_sha256 }} is not null
            then ('x' || substr(
                md5({{ content_sha256 }} || '|' || coalesce({{ load_id }}, '')), 1, 16
            ))::bit(64)::bigint
    end
{%- endmacro %}

{#- The distinct (athlete_id, activity_id) of `relation` with the version_fingerprint of one
    of its rows, read by a loose index scan (one index probe per activity, not a scan of every
    row) on an index that starts with (athlete_id, activity_id). `relation` holds one version
    per activity, so any row's fingerprint is the activity's. -#}
{% macro stored_activity_versions(relation) -%}
    with recursive stored_keys as (
        (
            select
                first_key.athlete_id,
                first_key.activity_id
            from {{ relation }} as first_key
            order by first_key.athlete_id, first_key.activity_id
            limit 1
        )

        union all

        select
            next_key.athlete_id,
            next_key.activity_id
        from stored_keys
        cross join lateral (
            select
                later.athlete_id,
                later.activity_id
            from {{ relation }} as later
            where
                (later.athlete_id, later.activity_id)
                > (stored_keys.athlete_id, stored_keys.activity_id)
            order by later.athlete_id, later.activity_id
            limit 1
        ) as next_key
    )

    select
        stored_keys.athlete_id,
        stored_keys.activity_id,
        (
            select one_row.version_fingerprint
            from {{ relation }} as one_row
            where
                one_row.athlete_id = stored_keys.athlete_id
                and one_row.activity_id = stored_keys.activity_id
            limit 1
        ) as version_fingerprint
    from stored_keys
{%- endmacro %}
