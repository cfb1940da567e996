-- Training alerts of the last 30 days (marts.data_health_alerts). Times formatted here, as
-- text, like the other data-health queries: an empty result gives Evidence no column types.
select
    athlete_id,
    alert,
    to_char(day, 'YYYY-MM-DD') as day,
    to_char(as_of, 'YYYY-MM-DD') as as_of,
    value,
    threshold,
    delivery,
    delivered,
    to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as finished_at
from marts.data_health_alerts
