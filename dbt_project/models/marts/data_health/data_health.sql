{#-
    One row per source: its last successful dlt load (raw._dlt_loads), how many loads in the
    last 24 hours, freshness against its schedule, and the rows it holds in raw and in its
    quarantine table, as of when this model ran (checked_at).

    Every raw table is optional: a fresh installation has no _dlt_loads, and a source only gets
    `<source>_quarantine` with its first malformed row, so the data_health_* macros look each
    one up and skip it when missing. Sources and their raw tables come from the dbt source
    definitions in schema raw; the depends_on lines put the model downstream of the scheduled
    sources, so each refresh job rebuilds it.
-#}
-- depends_on: {{ source('withings', 'measures') }}
-- depends_on: {{ source('strava', 'activities') }}
-- depends_on: {{ source('crossfit', 'sets') }}
-- depends_on: {{ source('activity_files', 'files') }}
-- depends_on: {{ source('apple_health', 'records') }}
{%- set relations = data_health_relations() %}
{%- set grace_minutes = 30 %}

with scheduled as (
    {#- Sources on the 3-hourly schedule (orchestration/schedules.py::SOURCES). #}
    select
        source_name,
        schedule_hours
    from (
        values
        ('activity_files', 3), ('apple_health', 3), ('crossfit', 3), ('strava', 3),
        ('withings', 3)
    ) as schedule (source_name, schedule_hours)
),

loads as (
    {{ data_health_loads(relations.loads) }}
),

table_rows as (
    {{ data_health_table_rows(relations.tables) }}
),

raw_rows as (
    select
        source_name,
        sum(table_rows) as raw_rows,
        count(*) as raw_tables
    from table_rows
    group by source_name
),

quarantined as (
    {{ data_health_quarantined(relations.quarantines) }}
),

all_sources as (
    select source_name from scheduled
    union
    select source_name from loads
    union
    select source_name from raw_rows
    union
    select source_name from quarantined
),

joined as (
    select
        all_sources.source_name,
        scheduled.schedule_hours,
        loads.last_load_at,
        quarantined.last_quarantined_at,
        coalesce(loads.loads_24h, 0) as loads_24h,
        extract(epoch from now() - loads.last_load_at) / 3600.0 as hours_since_last_load,
        coalesce(raw_rows.raw_rows, 0) as raw_rows,
        coalesce(raw_rows.raw_tables, 0) as raw_tables,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from all_sources
    left join scheduled on all_sources.source_name = scheduled.source_name
    left join loads on all_sources.source_name = loads.source_name
    left join raw_rows on all_sources.source_name = raw_rows.source_name
    left join quarantined on all_sources.source_name = quarantined.source_name
)

select
    source_name,
    schedule_hours,
    last_load_at,
    loads_24h::bigint as loads_24h,
    hours_since_last_load::double precision as hours_since_last_load,
    case
        when schedule_hours is null then 'not scheduled'
        when last_load_at is null then 'never loaded'
        when
            hours_since_last_load * 60 <= schedule_hours * 60 + {{ grace_minutes }}
            then 'fresh'
        when
            hours_since_last_load * 60 <= 2 * schedule_hours * 60 + {{ grace_minutes }}
            then 'late'
        else 'stale'
    end as freshness,
    raw_rows::bigint as raw_rows,
    raw_tables::bigint as raw_tables,
    quarantined_rows::bigint as quarantined_rows,
    last_quarantined_at,
    now() as checked_at
from joined
