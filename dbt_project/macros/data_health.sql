{#- Helpers of the data_health marts. They emit the SQL that depends on which raw tables exist,
    so the models stay plain SQL (and sqlfluff can lint them). -#}

{#- The raw relations data_health reads, looked up in the database: {'loads': _dlt_loads or
    none, 'tables': [(source_name, relation)] for every raw table of a dbt source that exists,
    'quarantines': [(source_name, relation)] for every <source>_quarantine that exists}. -#}
{% macro data_health_relations() -%}
    {%- set found = {'loads': optional_relation('raw', '_dlt_loads'), 'tables': [], 'quarantines': []} -%}
    {%- set seen = [] -%}
    {%- for table in raw_source_tables() -%}
        {%- set relation = optional_relation('raw', table.identifier) -%}
        {%- if relation -%}
            {%- do found.tables.append((table.source_name, relation)) -%}
        {%- endif -%}
        {%- if table.source_name not in seen -%}
            {%- do seen.append(table.source_name) -%}
            {%- set quarantine = optional_relation('raw', table.source_name ~ '_quarantine') -%}
            {%- if quarantine -%}
                {%- do found.quarantines.append((table.source_name, quarantine)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- Successful dlt loads per dlt schema (= source): source_name, last_load_at, loads_24h. -#}
{% macro data_health_loads(loads) -%}
    {%- if loads -%}
        select
            schema_name::text as source_name,
            max(inserted_at) as last_load_at,
            count(*) filter (where inserted_at >= now() - interval '24 hours') as loads_24h
        from {{ loads }}
        where status = 0
        group by schema_name
    {%- else -%}
        select
            null::text as source_name,
            null::timestamptz as last_load_at,
            0::bigint as loads_24h
        where false
    {%- endif -%}
{%- endmacro %}

{#- Row count of each existing raw table: source_name, table_rows (one row per table). -#}
{% macro data_health_table_rows(tables) -%}
    {%- for source_name, relation in tables -%}
        select
            '{{ source_name }}'::text as source_name,
            count(*)::bigint as table_rows
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        select
            null::text as source_name,
            0::bigint as table_rows
        where false
    {%- endfor -%}
{%- endmacro %}

{#- Quarantined rows of each existing <source>_quarantine, grouped by source (and reason when
    by_reason): source_name, [reason,] quarantined_rows, athletes, first/last_quarantined_at. -#}
{% macro data_health_quarantined(quarantines, by_reason=false) -%}
    {%- for source_name, relation in quarantines -%}
        select
            '{{ source_name }}'::text as source_name,
            {% if by_reason %}reason::text as reason,{% endif %}
            count(*)::bigint as quarantined_rows,
            count(distinct athlete_id)::bigint as athletes,
            min(quarantined_at) as first_quarantined_at,
            max(quarantined_at) as last_quarantined_at
        from {{ relation }}
        {% if by_reason %}group by reason{% endif %}
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        select
            null::text as source_name,
            {% if by_reason %}null::text as reason,{% endif %}
            0::bigint as quarantined_rows,
            0::bigint as athletes,
            null::timestamptz as first_quarantined_at,
            null::timestamptz as last_quarantined_at
        where false
    {%- endfor -%}
{%- endmacro %}
