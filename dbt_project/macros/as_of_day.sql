{#- "Today" for marts that run up to the current day: the var `as_of_date` (YYYY-MM-DD, unit
    tests and reproducible rebuilds) when set, else the current date in
    FITELT_DEFAULT_TIMEZONE. -#}
{% macro as_of_day() -%}
    {%- set as_of_date = var('as_of_date', none) -%}
    {%- if as_of_date -%}
        '{{ as_of_date }}'::date
    {%- else -%}
        (now() at time zone '{{ local_timezone() }}')::date
    {%- endif -%}
{%- endmacro %}
