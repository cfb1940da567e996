{#- Sport families of marts.activities: running, cycling, walking, hiking, swimming, training,
    other. A file's sport is already normalised to one of them (raw contract); a Strava
    sport_type is mapped here. Two versions of one activity are merged only within a family. -#}
{% macro strava_sport_family(sport_type) -%}
    case
        when {{ sport_type }} in ('Run', 'TrailRun', 'VirtualRun') then 'running'
        when {{ sport_type }} in (
            'Ride', 'VirtualRide', 'EBikeRide', 'MountainBikeRide', 'GravelRide',
            'EMountainBikeRide', 'Handcycle', 'Velomobile'
        ) then 'cycling'
        when {{ sport_type }} = 'Walk' then 'walking'
        when {{ sport_type }} = 'Hike' then 'hiking'
        when {{ sport_type }} = 'Swim' then 'swimming'
        when {{ sport_type }} in (
            'WeightTraining', 'Workout', 'Crossfit', 'HighIntensityIntervalTraining', 'Yoga',
            'Pilates', 'Elliptical', 'StairStepper'
        ) then 'training'
        else 'other'
    end
{%- endmacro %}

{#- A file's sport as the family list has it ('other' for anything else). -#}
{% macro file_sport_family(sport) -%}
    case
        when {{ sport }} in ('running', 'cycling', 'walking', 'hiking', 'swimming', 'training')
            then {{ sport }}
        else 'other'
    end
{%- endmacro %}

{#- Strava's sport_type for a file version (Run, TrailRun, VirtualRun, Ride, …), so marts.runs
    keeps Strava's vocabulary for runs known only from files: trail → TrailRun,
    virtual_activity → VirtualRun / VirtualRide, mountain → MountainBikeRide, gravel_cycling →
    GravelRide; other running is Run, other cycling Ride. -#}
{% macro file_strava_sport_type(family, sub_sport) -%}
    case {{ family }}
        when 'running' then case {{ sub_sport }}
            when 'trail' then 'TrailRun'
            when 'virtual_activity' then 'VirtualRun'
            else 'Run'
        end
        when 'cycling' then case {{ sub_sport }}
            when 'virtual_activity' then 'VirtualRide'
            when 'mountain' then 'MountainBikeRide'
            when 'gravel_cycling' then 'GravelRide'
            else 'Ride'
        end
        when 'walking' then 'Walk'
        when 'hiking' then 'Hike'
        when 'swimming' then 'Swim'
        else 'Workout'
    end
{%- endmacro %}

{#- The first non-null `column` of a group in `order_by` order (an aggregate). -#}
{% macro first_non_null(column, order_by) -%}
    (array_remove(array_agg({{ column }} order by {{ order_by }}), null))[1]
{%- endmacro %}
