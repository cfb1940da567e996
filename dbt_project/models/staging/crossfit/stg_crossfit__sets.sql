{%- set raw_sets = source('crossfit', 'sets') %}

with source as (
    select * from {{ raw_sets }}
),

aliases as (
    select
        {{ normalise_key('alias') }} as exercise_key,
        exercise
    from {{ ref('exercise_aliases') }}
),

keyed as (
    select
        *,
        {{ normalise_key('exercise') }} as exercise_key
    from source
),

renamed as (
    select
        keyed.athlete_id,
        keyed.session_date,
        keyed.set_key,
        keyed.row_number,
        keyed.exercise as exercise_as_typed,
        keyed.exercise_key,
        coalesce(aliases.exercise, keyed.exercise_key) as exercise,
        aliases.exercise is not null as is_known_exercise,
        keyed.sets,
        keyed.reps,
        keyed.weight_kg,
        keyed.weight_kg is null as is_bodyweight,
        keyed.sets * keyed.reps as total_reps,
        keyed.sets * keyed.reps * keyed.weight_kg as tonnage_kg,
        keyed.weight as weight_as_typed,
        keyed.unit,
        keyed.notes,
        {#- rpe and duration_min arrived after the table: null on a table loaded before. #}
        {{ column_or_null(raw_sets, 'keyed', 'rpe', 'double precision') }}
            as rpe,
        {{ column_or_null(raw_sets, 'keyed', 'duration_min', 'double precision') }}
            as duration_min,
        keyed.data_source,
        keyed.source_file
    from keyed
    left join aliases on keyed.exercise_key = aliases.exercise_key
)

select * from renamed
