{#-
    Apple Health body mass and body fat as Withings-shaped measures (weight_kg, fat_ratio_pct),
    without the ones Withings already holds: the Withings app writes every weigh-in into Apple
    Health too, and one weigh-in must count once (first party kept). An Apple record is that
    copy when the same athlete has a Withings measure of the same kind within
    {{ instant_tolerance_s }} s of its instant with the same value: weight within 0.05 kg; fat
    within 0.1 percentage point of Withings' fat ratio, or of its fat mass / weight at that
    instant (the account export has fat mass, not the ratio). Everything else (typed in by hand,
    other scales and apps) is kept. Empty until the staging views exist.
-#}
{%- set instant_tolerance_s = 120 %}
{%- set weight_tolerance_kg = 0.05 %}
{%- set fat_tolerance_pct = 0.1 %}

with apple as (
    {{ ref_or_empty('stg_apple_health__records', {
        'athlete_id': 'text',
        'record_type': 'text',
        'source_name': 'text',
        'value': 'double precision',
        'start_at': 'timestamptz',
        'local_day': 'date',
    }) }}
),

withings as (
    {{ ref_or_empty('stg_withings__measures', {
        'athlete_id': 'text',
        'measured_at': 'timestamptz',
        'measure_name': 'text',
        'value': 'double precision',
    }) }}
),

{# Withings per instant: its weight and its fat ratio (given, else fat mass / weight). #}
withings_instants as (
    select
        athlete_id,
        measured_at,
        max(value) filter (where measure_name = 'weight_kg') as weight_kg,
        coalesce(
            max(value) filter (where measure_name = 'fat_ratio_pct'),
            100 * max(value) filter (where measure_name = 'fat_mass_kg')
            / nullif(max(value) filter (where measure_name = 'weight_kg'), 0)
        ) as fat_ratio_pct
    from withings
    group by athlete_id, measured_at
),

candidates as (
    select
        athlete_id,
        start_at as measured_at,
        case when record_type = 'body_mass' then 'weight_kg' else 'fat_ratio_pct' end
            as measure_name,
        value,
        local_day as measured_day,
        source_name
    from apple
    where record_type in ('body_mass', 'body_fat_pct')
)

select
    candidates.athlete_id,
    candidates.measured_at,
    candidates.measure_name,
    candidates.value,
    candidates.measured_day,
    candidates.source_name
from candidates
where not exists (
    select 1
    from withings_instants
    where
        withings_instants.athlete_id = candidates.athlete_id
        and withings_instants.measured_at
        between candidates.measured_at - interval '{{ instant_tolerance_s }} seconds'
        and candidates.measured_at + interval '{{ instant_tolerance_s }} seconds'
        and (
            (
                candidates.measure_name = 'weight_kg'
                and abs(withings_instants.weight_kg - candidates.value) <= {{ weight_tolerance_kg }}
            )
            or (
                candidates.measure_name = 'fat_ratio_pct'
                and abs(withings_instants.fat_ratio_pct - candidates.value)
                <= {{ fat_tolerance_pct }}
            )
        )
)
