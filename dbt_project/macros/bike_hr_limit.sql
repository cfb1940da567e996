{#- The bike heart-rate limit for the age expression `age`, as FITELT_BIKES_HR_LIMIT_FORMULA
    says (the same rule as fitelt/notify/alert_settings.py::hr_limit_sql, which the alert
    emails and the read API use): '220-age' (the default, as seed 003 asks) or 'tanaka',
    208 - 0.7 x age rounded to the nearest bpm, halves up (age 35: 183.5, so 184). Any other
    value stops the build with a clear error. -#}
{% macro bike_hr_limit(age) -%}
    {#- env_var is not defined under sqlfluff's plain jinja templater: the default then. -#}
    {%- set formula = (
        env_var('FITELT_BIKES_HR_LIMIT_FORMULA', '') if env_var is defined else ''
    ) | trim | lower -%}
    {%- if formula in ('', '220-age') -%}
        (220 - ({{ age }}))
    {%- elif formula == 'tanaka' -%}
        round(208 - 0.7 * ({{ age }}))::int
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "FITELT_BIKES_HR_LIMIT_FORMULA must be one of 220-age, tanaka, got '" ~ formula ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
