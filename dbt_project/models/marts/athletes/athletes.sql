{#-
    One row per registered athlete with an age group and the heart-rate settings the marts use
    (int_athlete_heart_rate_settings: each value's *_basis says whether the athlete set it or
    it is an estimate), for the report (the reader role cannot read raw.athletes). A view, so the age group follows the calendar. Age is counted from the
    birth year only (current year - birth_year); no birth year gives the group 'unknown'.
    raw.athletes appears with the first registered athlete: until then the view is empty (and
    stays so until rebuilt). The source depends_on lines put it downstream of every scheduled
    source, so each refresh job rebuilds it (a new athlete registers with its first load).
-#}
{{ config(materialized='view') }}
-- depends_on: {{ source('withings', 'measures') }}
-- depends_on: {{ source('strava', 'activities') }}
-- depends_on: {{ source('crossfit', 'sets') }}
-- depends_on: {{ source('activity_files', 'files') }}

with registry as (
    {{ source_or_empty('fitelt', 'athletes', {
        'athlete_id': 'text',
        'display_name': 'text',
        'sex': 'text',
        'birth_year': 'integer',
    }) }}
),

heart_rate as (
    select * from {{ ref('int_athlete_heart_rate_settings') }}
),

aged as (
    select
        athlete_id,
        display_name,
        sex,
        birth_year,
        extract(year from current_date)::int - birth_year as age
    from registry
)

select
    aged.athlete_id,
    aged.display_name,
    aged.sex,
    aged.birth_year,
    aged.age,
    case
        when aged.age is null then 'unknown'
        else {{ age_band('aged.age') }}
    end as age_group,
    heart_rate.max_heart_rate,
    heart_rate.max_heart_rate_basis,
    heart_rate.resting_heart_rate,
    heart_rate.resting_heart_rate_basis,
    heart_rate.threshold_heart_rate,
    heart_rate.trimp_coefficients
from aged
left join heart_rate on aged.athlete_id = heart_rate.athlete_id
