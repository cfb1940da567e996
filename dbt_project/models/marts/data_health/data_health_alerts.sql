{#-
    Training alerts of the last 30 days (raw.training_alerts, written by the
    fitelt/training_alerts asset), one row per athlete, alert and day, for the data-health page.
    Claims still open (a send in progress, or retried by the next run) are left out. The table
    appears with the asset's first run: until then the model is empty.
-#}
{#- Built with the training load (every source job rebuilds it), so the page always has it; the
    alerts asset runs after that build, so the page shows the alerts up to the run before. #}
-- depends_on: {{ ref('training_load_daily') }}
with alerts as (
    {{ source_or_empty('fitelt', 'training_alerts', {
        'athlete_id': 'text',
        'alert': 'text',
        'day': 'date',
        'as_of': 'date',
        'value': 'double precision',
        'threshold': 'double precision',
        'recipient': 'text',
        'delivery': 'text',
        'finished_at': 'timestamptz',
    }) }}
)

select
    athlete_id,
    alert,
    day,
    as_of,
    value,
    threshold,
    delivery,
    finished_at,
    coalesce(delivery in ('smtp', 'outbox'), false) as delivered
from alerts
where
    finished_at is not null
    and day >= current_date - 30
