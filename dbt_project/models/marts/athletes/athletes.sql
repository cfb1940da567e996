{#-
    One row per registered athlete with an age group, for the report (the reader role cannot
    read raw.athletes). A view, so the age group follows the calendar. Age is counted from the
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
    athlete_id,
    display_name,
    sex,
    birth_year,
    age,
    case
        when age is null then 'unknown'
        else {{ age_band('age') }}
    end as age_group
from aged
