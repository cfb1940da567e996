{#- One row per athlete with a heart-rate sample: the maximum heart rate the zones of
    marts.activity_hr_zones are percentages of. For now the athlete's highest recorded sample
    in any activity's chosen version (marts.activity_records), until athlete heart-rate
    settings exist: swap this model's body for them, the zones follow. A single spurious spike
    raises every zone bound; the decoder's range checks are the only guard. -#}
select
    athlete_id,
    max(heart_rate)::double precision as max_heart_rate,
    'highest_recorded' as max_heart_rate_basis
from {{ ref('activity_records') }}
where heart_rate is not null
group by athlete_id
