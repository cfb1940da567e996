{#- `select <columns> from <source>`, or the same columns typed and empty while the raw table
    does not exist yet: the live streams create their tables with their first reading, and
    their marts (and the report pages on them) must build on a warehouse where a stream never
    ran. A view built empty this way picks the table up the next time it is built.
    `columns` maps each column to its PostgreSQL type (the type the loader creates). -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set missing = execute and optional_relation(relation.schema, relation.identifier) is none -%}
    {{ select_or_empty(relation, columns, missing) }}
{%- endmacro %}

{#- `select <columns> from <relation>`, or, when `missing`, the same columns as typed nulls with
    `where false` (no rows). Shared by source_or_empty and ref_or_empty. -#}
{% macro select_or_empty(relation, columns, missing) -%}
    select
    {%- for name, type in columns.items() %}
        {% if missing %}null::{{ type }} as {% endif %}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    {%- if missing %}
    where false
    {%- else %}
    from {{ relation }}
    {%- endif %}
{%- endmacro %}
