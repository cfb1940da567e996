{#- Banister's heart-rate training impulse (TRIMP), the field's standard:

        HRr   = (HR - rest) / (max - rest), clamped to [0, 1]; null when max <= rest
        TRIMP = minutes × HRr × k × e^(b × HRr)

    with k = 0.64, b = 1.92 for men and k = 0.86, b = 1.67 for women
    (int_athlete_heart_rate_settings). Summed per sample over the timer minutes it covers
    (marts.activity_heart_rate), or applied once to an activity's average heart rate over its
    moving minutes (Banister's original form, for summaries without samples). -#}
{% macro heart_rate_reserve(heart_rate, resting, maximum) -%}
    case
        when {{ maximum }} > {{ resting }}
            then greatest(0.0, least(1.0,
                ({{ heart_rate }} - {{ resting }}) / ({{ maximum }} - {{ resting }})
            ))
    end
{%- endmacro %}

{% macro banister_trimp(minutes, reserve, k, b) -%}
    {{ minutes }} * ({{ reserve }}) * {{ k }} * exp({{ b }} * ({{ reserve }}))
{%- endmacro %}

{#- The five heart-rate zones in % of max heart rate, as rows (zone, lower_pct, upper_pct),
    shared by marts.activity_heart_rate and marts.activity_hr_zones: lower bound inclusive,
    upper exclusive; Z1 from 0, Z5 without upper bound. -#}
{% macro heart_rate_zones() -%}
    select * from (
        values
        (1, 0.0::double precision, 0.6::double precision),
        (2, 0.6, 0.7),
        (3, 0.7, 0.8),
        (4, 0.8, 0.9),
        (5, 0.9, null)
    ) as zone_table (zone, lower_pct, upper_pct)
{%- endmacro %}
