-- Quarantined rows per source and reason (marts.data_health_quarantine). The times are
-- formatted here: a source query without rows gives Evidence no column types, and the page's
-- date functions would then fail on the empty table (a fresh `make run` has no quarantine).
select
    source_name,
    reason,
    quarantined_rows,
    athletes,
    to_char(first_quarantined_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as first_quarantined_at,
    to_char(last_quarantined_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as last_quarantined_at
from marts.data_health_quarantine
