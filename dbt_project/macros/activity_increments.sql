{#- Incremental activity marts keyed by (athlete_id, activity_id), each row carrying the
    version_fingerprint (activity_keys.sql) of the version it was computed from. -#}

{#- True for an activity (`current_alias`, with athlete_id, activity_id, version_fingerprint and
    any `also` columns) that `stored` has no row of with the same values: a build (re)writes
    it. -#}
{% macro not_stored(stored, current_alias, also=[]) -%}
    not exists (
        select 1 from {{ stored }} as stored
        where
            stored.athlete_id = {{ current_alias }}.athlete_id
            and stored.activity_id = {{ current_alias }}.activity_id
            and stored.version_fingerprint = {{ current_alias }}.version_fingerprint
            {%- for column in also %}
            and stored.{{ column }} = {{ current_alias }}.{{ column }}
            {%- endfor %}
    )
{%- endmacro %}

{#- Post-hook: delete the rows of `relation` whose (athlete_id, activity_id,
    version_fingerprint) is no longer an activity of marts.activities meeting `condition`
    (merged into another id, a better version chosen, the version lost its records). A
    delete+insert only replaces the keys its new rows have, so this removes what a rewrite
    produced no rows for. -#}
{% macro delete_superseded(relation, condition='true') -%}
    delete from {{ relation }} as stored
    where not exists (
        select 1 from {{ ref('activities') }} as current_activity
        where
            ({{ condition }})
            and current_activity.athlete_id = stored.athlete_id
            and current_activity.activity_id = stored.activity_id
            and current_activity.version_fingerprint = stored.version_fingerprint
    )
{%- endmacro %}
