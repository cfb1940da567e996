{#- The relation schema.identifier in the target database, or none when it does not exist
    (yet). Models use it for raw tables that appear late: `_dlt_loads` with the first dlt load,
    `<source>_quarantine` with a source's first malformed row, `athletes` with the first
    registered athlete. Always none while dbt parses (no database access then). -#}
{% macro optional_relation(schema, identifier) -%}
    {%- if execute -%}
        {{ return(adapter.get_relation(
            database=target.database, schema=schema, identifier=identifier
        )) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The dbt sources loaded into schema raw (every source but `fitelt`, the pipeline's own
    tables), as a sorted list of {source_name, identifier} dicts. Empty while dbt parses. -#}
{% macro raw_source_tables() -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
            {%- if node.schema == 'raw' and node.source_name != 'fitelt' -%}
                {%- do found.append(
                    {'source_name': node.source_name, 'identifier': node.identifier}
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}
