{#-
    Seconds in each of five heart-rate zones per activity with heart-rate samples, one row per
    zone (zones without time included, 0 s). Standard 5-zone model in % of max heart rate
    (int_athlete_max_heart_rate): Z1 < 60 %, Z2 60–70 %, Z3 70–80 %, Z4 80–90 %, Z5 >= 90 %;
    lower bound inclusive, upper exclusive (lower_bpm/upper_bpm = the % × max HR; Z1 from 0,
    Z5 without upper bound).

    weight of a sample = timer time to the next sample of the activity (timer_s: pauses add
    nothing), at most 10 s (a gap in the recording does not pile onto one sample), 0 for
    the last sample. A sample without heart rate counts in no zone (its time is dropped, not
    given to a neighbour), so the zone seconds sum to the timer time covered by heart rate.

    Incremental (delete+insert on athlete_id, activity_id): a build rewrites the activities
    whose chosen version or athlete max heart rate differ from the stored ones (a new maximum
    moves every bound of that athlete: all their activities); the post-hook deletes the rows
    of versions no longer chosen.
-#}
{%- set max_sample_s = 10 %}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'activity_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_superseded(this, 'current_activity.has_records') }}"
    )
}}

with max_heart_rates as (
    select * from {{ ref('int_athlete_max_heart_rate') }}
),

current_versions as (
    select
        chosen.athlete_id,
        chosen.activity_id,
        chosen.content_sha256,
        chosen.version_fingerprint,
        max_heart_rates.max_heart_rate
    from {{ ref('activities') }} as chosen
    inner join max_heart_rates on chosen.athlete_id = max_heart_rates.athlete_id
    where chosen.has_records
),

to_write as (
    select * from current_versions
    {% if is_incremental() -%}
        where {{ not_stored(this, 'current_versions', ['max_heart_rate']) }}
    {%- endif %}
),

zones as (
    select * from (
        values
        (1, 0.0::double precision, 0.6::double precision),
        (2, 0.6, 0.7),
        (3, 0.7, 0.8),
        (4, 0.8, 0.9),
        (5, 0.9, null)
    ) as zone_table (zone, lower_pct, upper_pct)
),

weighted as (
    select
        records.athlete_id,
        records.activity_id,
        records.heart_rate,
        least(
            greatest(
                coalesce(lead(records.timer_s) over by_time - records.timer_s, 0), 0
            ),
            {{ max_sample_s }}
        ) as seconds
    from {{ ref('activity_records') }} as records
    inner join to_write
        on
            records.athlete_id = to_write.athlete_id
            and records.activity_id = to_write.activity_id
    window by_time as (
        partition by records.athlete_id, records.activity_id order by records.recorded_at
    )
),

with_heart_rate as (
    select to_write.*
    from to_write
    where exists (
        select 1 from weighted
        where
            weighted.athlete_id = to_write.athlete_id
            and weighted.activity_id = to_write.activity_id
            and weighted.heart_rate is not null
    )
),

binned as (
    select
        weighted.athlete_id,
        weighted.activity_id,
        zones.zone,
        weighted.seconds
    from weighted
    inner join max_heart_rates on weighted.athlete_id = max_heart_rates.athlete_id
    inner join zones
        on
            weighted.heart_rate >= zones.lower_pct * max_heart_rates.max_heart_rate
            and (
                zones.upper_pct is null
                or weighted.heart_rate < zones.upper_pct * max_heart_rates.max_heart_rate
            )
    where weighted.heart_rate is not null
),

zone_seconds as (
    select
        athlete_id,
        activity_id,
        zone,
        sum(seconds) as seconds
    from binned
    group by athlete_id, activity_id, zone
)

select
    with_heart_rate.athlete_id,
    with_heart_rate.activity_id,
    with_heart_rate.content_sha256,
    with_heart_rate.version_fingerprint,
    zones.zone,
    zones.lower_pct * max_heart_rates.max_heart_rate as lower_bpm,
    zones.upper_pct * max_heart_rates.max_heart_rate as upper_bpm,
    coalesce(zone_seconds.seconds, 0)::double precision as seconds,
    max_heart_rates.max_heart_rate,
    max_heart_rates.max_heart_rate_basis
from with_heart_rate
inner join max_heart_rates on with_heart_rate.athlete_id = max_heart_rates.athlete_id
cross join zones
left join zone_seconds
    on
        with_heart_rate.athlete_id = zone_seconds.athlete_id
        and with_heart_rate.activity_id = zone_seconds.activity_id
        and zones.zone = zone_seconds.zone
