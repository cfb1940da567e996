{#- best_efforts: timer_s at `distance_m` further along the 10 m marks (`step_m` apart, one
    row per mark, ordered by the window `by_mark`): the mark distance_m / step_m rows later,
    and for a fraction of a mark (1 mile = 160.9344 marks of 10 m) the linear interpolation
    between the two marks around it. Null when the activity ends before. -#}
{% macro timer_after_distance(distance_m, step_m) -%}
    {%- set whole = (distance_m // step_m) | int -%}
    {%- if distance_m == whole * step_m -%}
        lead(timer_s, {{ whole }}) over by_mark
    {%- else -%}
        (lead(timer_s, {{ whole }}) over by_mark
        + ({{ distance_m }} - {{ whole * step_m }}) / {{ step_m }}.0
        * (lead(timer_s, {{ whole + 1 }}) over by_mark - lead(timer_s, {{ whole }}) over by_mark))
    {%- endif -%}
{%- endmacro %}

{#- best_efforts post-hook: athlete_rank over the whole table (an incremental build writes a
    few activities; their ranks and those of the athlete's other activities move). -#}
{% macro rank_best_efforts(relation) -%}
    update {{ relation }} as stored
    set athlete_rank = ranked.athlete_rank
    from (
        select
            athlete_id,
            activity_id,
            effort,
            row_number() over (
                partition by athlete_id, effort order by seconds, started_at, activity_id
            ) as athlete_rank
        from {{ relation }}
    ) as ranked
    where
        stored.athlete_id = ranked.athlete_id
        and stored.activity_id = ranked.activity_id
        and stored.effort = ranked.effort
        and stored.athlete_rank is distinct from ranked.athlete_rank
{%- endmacro %}
