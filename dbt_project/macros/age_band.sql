{#- Age band of an age in whole years: under 18, 18-25, 25-35, 35-45, 45-55, 55+ (lower bound
    included, upper excluded: 25 is in 25-35). -#}
{% macro age_band(age) -%}
    case
        when {{ age }} < 18 then 'under 18'
        when {{ age }} < 25 then '18-25'
        when {{ age }} < 35 then '25-35'
        when {{ age }} < 45 then '35-45'
        when {{ age }} < 55 then '45-55'
        else '55+'
    end
{%- endmacro %}
