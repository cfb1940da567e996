{#-
    One row per source and quarantine reason: how many rows of that source were set aside
    for it, for how many athletes, and when. Reads every `raw.<source>_quarantine` that exists
    (a source gets one with its first malformed row); empty when none does.
-#}
-- depends_on: {{ source('withings', 'measures') }}
-- depends_on: {{ source('strava', 'activities') }}
-- depends_on: {{ source('crossfit', 'sets') }}
{%- set relations = data_health_relations() %}

with quarantined as (
    {{ data_health_quarantined(relations.quarantines, by_reason=true) }}
)

select
    source_name,
    reason,
    quarantined_rows,
    athletes,
    first_quarantined_at,
    last_quarantined_at
from quarantined
