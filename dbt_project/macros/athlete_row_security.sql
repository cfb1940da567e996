{#-
    Post-hook of every marts model (dbt_project.yml): dbt re-creates mart tables on each build,
    which drops their row-level security, so it is re-applied here. access.protect_table (see
    orchestration/warehouse/row_security.py) enables RLS on a table with an athlete_id column:
    fitness_reader keeps every row, athlete login roles see only their own. Views and tables
    without athlete_id are left alone (and never granted to athlete roles).
-#}
{% macro athlete_row_security() -%}
    {%- if execute and config.get('materialized') in ['table', 'incremental'] -%}
        do $fitelt$
        begin
            if to_regprocedure('access.protect_table(regclass)') is not null then
                perform access.protect_table('{{ this.include(database=False) }}'::regclass);
            end if;
        end
        $fitelt$
    {%- endif -%}
{%- endmacro %}
