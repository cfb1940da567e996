{#-
    Seconds in each of five heart-rate zones per activity whose chosen version has heart-rate
    samples, one row per zone (zones without time included, 0 s): the zone columns of
    marts.activities (computed per version in marts.activity_heart_rate) as rows, with each
    zone's bounds in bpm. Standard 5-zone model in % of the athlete's max heart rate
    (int_athlete_heart_rate_settings): Z1 < 60 %, Z2 60–70 %, Z3 70–80 %, Z4 80–90 %,
    Z5 >= 90 %; lower bound inclusive, upper exclusive (Z1 from 0, Z5 without upper bound).
-#}
with activities as (
    select * from {{ ref('activities') }}
    where hr_seconds > 0
),

settings as (
    select * from {{ ref('int_athlete_heart_rate_settings') }}
),

zones as (
    {{ heart_rate_zones() }}
)

select
    activities.athlete_id,
    activities.activity_id,
    activities.content_sha256,
    activities.version_fingerprint,
    zones.zone,
    zones.lower_pct * settings.max_heart_rate as lower_bpm,
    zones.upper_pct * settings.max_heart_rate as upper_bpm,
    case zones.zone
        when 1 then activities.hr_zone1_s
        when 2 then activities.hr_zone2_s
        when 3 then activities.hr_zone3_s
        when 4 then activities.hr_zone4_s
        when 5 then activities.hr_zone5_s
    end as seconds,
    settings.max_heart_rate,
    settings.max_heart_rate_basis
from activities
inner join settings on activities.athlete_id = settings.athlete_id
cross join zones
where settings.max_heart_rate is not null
