{#- `select <columns> from ref(<model_name>)`, or the same columns typed and empty while that
    model's relation does not exist yet: a refresh of one source on a new warehouse (its job
    rebuilds everything downstream) can reach a model before another source's staging view or
    mart exists. Unit tests never look (their inputs are fixtures, not relations), nor does dbt
    while it parses. `columns` maps each column to its PostgreSQL type (the type the model
    gives it), e.g. ref_or_empty('crossfit_sessions', {'athlete_id': 'text', ...}).
    For a raw table, use source_or_empty. -#}
{% macro ref_or_empty(model_name, columns) -%}
    {%- set relation = ref(model_name) -%}
    {%- set missing = (
        execute
        and model.resource_type != 'unit_test'
        and load_relation(relation) is none
    ) -%}
    {{ select_or_empty(relation, columns, missing) }}
{%- endmacro %}
