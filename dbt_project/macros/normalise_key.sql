{#- Matching key of a free-typed name: lowercase, runs of non-alphanumerics → "_", trimmed, so
    "Back squat", "back-squat" and "BACK SQUAT" all give back_squat. Python twin:
    dlt_sources.crossfit.helpers.normalise_name. -#}
{% macro normalise_key(expression) -%}
    trim(both '_' from regexp_replace(lower({{ expression }}), '[^a-z0-9]+', '_', 'g'))
{%- endmacro %}
