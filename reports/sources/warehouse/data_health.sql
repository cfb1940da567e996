-- One row per source (marts.data_health). Load and quarantine times are formatted here, as
-- text: a column that is null in every row (a fresh install: nothing ever quarantined) reaches
-- Evidence untyped, and the page's date functions would fail on it; a null stays empty text.
select
    source_name,
    schedule_hours,
    to_char(last_load_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as last_load_at,
    loads_24h,
    hours_since_last_load,
    freshness,
    raw_rows,
    raw_tables,
    quarantined_rows,
    to_char(last_quarantined_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as last_quarantined_at,
    checked_at
from marts.data_health
