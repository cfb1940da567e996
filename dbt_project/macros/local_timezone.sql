{#- The installation's time zone (FITELT_DEFAULT_TIMEZONE), for "local day" columns.
    Python twin: orchestration.settings.Settings.default_timezone. -#}
{% macro local_timezone() -%}
    {%- if env_var is defined -%}
        {{ env_var('FITELT_DEFAULT_TIMEZONE', 'Europe/Paris') }}
    {%- else -%}
        Europe/Paris
    {%- endif -%}
{%- endmacro %}
