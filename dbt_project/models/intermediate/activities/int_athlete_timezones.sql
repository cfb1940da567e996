{#- One row per registered athlete (raw.athletes) with the IANA time zone registered for them:
    the local clock of an activity whose versions give no UTC offset. Empty until the first
    athlete is registered (then marts.activities falls back to FITELT_DEFAULT_TIMEZONE). -#}
with registry as (
    {{ source_or_empty('fitelt', 'athletes', {
        'athlete_id': 'text',
        'timezone': 'text',
    }) }}
)

select
    athlete_id,
    timezone
from registry
