{#- `<alias>.<column>`, or a typed null when the relation has no such column (yet): for a
    column a loader added to an existing raw table, so a warehouse loaded before it (and not
    since) still builds. A null while dbt parses (no database access then). -#}
{% macro column_or_null(relation, alias, column, type) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for existing in adapter.get_columns_in_relation(relation) -%}
            {%- if existing.name == column -%}{%- do found.append(existing.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- alias ~ '.' ~ column if found else 'null::' ~ type -}}
{%- endmacro %}
