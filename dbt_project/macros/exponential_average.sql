{#- Exponentially weighted averages as a window aggregate, exact and in one pass:

        exponential_average(x, alpha) over (partition by … order by day)
        = s_n, with s_0 = 0 and s_i = s_(i-1) + alpha × (x_i - s_(i-1))

    (a null x counts as 0). It is the recurrence of the Banister / Coggan fitness-fatigue model
    (CTL, ATL) and of Williams et al. 2017's EWMA workload; a closed form over powers of
    (1 - alpha) overflows a double within a few years of daily rows, a recursive CTE is
    quadratic. The aggregate lives in the staging schema (function_schema()). create_exponential_average()
    runs as an on-run-start hook: created when missing, under the warehouse layout lock
    (fitelt/warehouse/locks.py, crc32 of 'warehouse layout'), so concurrent dbt runs take turns
    instead of failing with "tuple concurrently updated". -#}
{% macro create_exponential_average() -%}
    {%- set schema = function_schema() -%}
    do $do$
    begin
        perform pg_advisory_xact_lock(1717922932, -984738735);
        create schema if not exists {{ schema }};
        if to_regprocedure(
            '{{ schema }}.exponential_average_step(double precision, double precision, double precision)'
        ) is null then
            create function {{ schema }}.exponential_average_step(
                state double precision, x double precision, alpha double precision
            ) returns double precision
            language sql immutable parallel safe
            as $fn$ select state + alpha * (coalesce(x, 0) - state) $fn$;
        end if;
        if to_regprocedure(
            '{{ schema }}.exponential_average(double precision, double precision)'
        ) is null then
            create aggregate {{ schema }}.exponential_average(double precision, double precision) (
                sfunc = {{ schema }}.exponential_average_step,
                stype = double precision,
                initcond = '0'
            );
        end if;
    end
    $do$
{%- endmacro %}

{#- The running exponential average of `value` with smoothing factor `alpha`, over the window
    `window_name` (which must order the rows in time, frame from the first row). -#}
{% macro exponential_average(value, alpha, window_name) -%}
    {{ function_schema() }}.exponential_average(({{ value }})::double precision, ({{ alpha }})::double precision) over {{ window_name }}
{%- endmacro %}

{#- The schema of the project's SQL functions: staging, which every build creates first. -#}
{% macro function_schema() -%}
    staging
{%- endmacro %}
