{#-
    One row per activity file version with samples (athlete_id, content_sha256), computed once
    from its records with the athlete's heart-rate settings (int_athlete_heart_rate_settings):
    Banister's TRIMP, time with heart rate, time-weighted mean heart rate, and seconds in the
    five %HRmax zones (macros/training_load.sql). marts.activities takes the chosen version's.

    weight of a sample = timer time to the version's next sample (timer_s: pauses contribute
    nothing), at most 10 s (a recording gap does not pile onto one sample), 0 for the last one.
    A sample without heart rate counts nowhere. trimp = Σ weight/60 × HRr × k·e^(b·HRr); null
    when max HR is unknown or not above resting HR. A version without any heart rate has a row
    with hr_seconds = 0 and null trimp (so it is not read again).

    Incremental (delete+insert on athlete_id, content_sha256): a build computes the versions not
    stored with the same load id and the same settings (a new max or resting heart rate or
    sex recomputes that athlete's versions), reading only their records through the raw
    table's (athlete_id, content_sha256) index. The post-hook drops versions no longer loaded.
-#}
{%- set max_sample_s = 10 %}
{{
    config(
        materialized='incremental',
        unique_key=['athlete_id', 'content_sha256'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="
            delete from {{ this }} as stored
            where not exists (
                select 1 from ({{ ref_or_empty('stg_activity_files__files', {
                    'athlete_id': 'text', 'content_sha256': 'text'
                }) }}) as loaded
                where
                    loaded.athlete_id = stored.athlete_id
                    and loaded.content_sha256 = stored.content_sha256
            )"
    )
}}

with settings as (
    select * from {{ ref('int_athlete_heart_rate_settings') }}
),

versions as (
    select
        versions.athlete_id,
        versions.content_sha256,
        versions.load_id,
        settings.max_heart_rate,
        settings.resting_heart_rate,
        settings.trimp_k,
        settings.trimp_b
    from {{ ref('int_activity_versions') }} as versions
    inner join settings on versions.athlete_id = settings.athlete_id
    where versions.content_sha256 is not null and versions.record_count > 0
),

to_write as (
    select * from versions
    {% if is_incremental() -%}
        where not exists (
            select 1 from {{ this }} as stored
            where
                stored.athlete_id = versions.athlete_id
                and stored.content_sha256 = versions.content_sha256
                and stored.load_id is not distinct from versions.load_id
                and stored.max_heart_rate is not distinct from versions.max_heart_rate
                and stored.resting_heart_rate = versions.resting_heart_rate
                and stored.trimp_k = versions.trimp_k
                and stored.trimp_b = versions.trimp_b
        )
    {%- endif %}
),

zones as (
    {{ heart_rate_zones() }}
),

records as (
    {{ ref_or_empty('stg_activity_files__records', {
        'athlete_id': 'text',
        'content_sha256': 'text',
        'recorded_at': 'timestamptz',
        'timer_s': 'double precision',
        'heart_rate': 'smallint',
    }) }}
),

samples as (
    select
        records.athlete_id,
        records.content_sha256,
        records.heart_rate::double precision as heart_rate,
        least(
            greatest(coalesce(lead(records.timer_s) over by_time - records.timer_s, 0), 0),
            {{ max_sample_s }}
        ) as seconds
    from records
    inner join to_write
        on
            records.athlete_id = to_write.athlete_id
            and records.content_sha256 = to_write.content_sha256
    window by_time as (
        partition by records.athlete_id, records.content_sha256 order by records.recorded_at
    )
),

scored as (
    select
        samples.athlete_id,
        samples.content_sha256,
        samples.heart_rate,
        samples.seconds,
        zones.zone,
        {{ banister_trimp(
            'samples.seconds / 60.0',
            heart_rate_reserve(
                'samples.heart_rate', 'to_write.resting_heart_rate', 'to_write.max_heart_rate'
            ),
            'to_write.trimp_k',
            'to_write.trimp_b',
        ) }} as trimp
    from samples
    inner join to_write
        on
            samples.athlete_id = to_write.athlete_id
            and samples.content_sha256 = to_write.content_sha256
    left join zones
        on
            samples.heart_rate >= zones.lower_pct * to_write.max_heart_rate
            and (
                zones.upper_pct is null
                or samples.heart_rate < zones.upper_pct * to_write.max_heart_rate
            )
    where samples.heart_rate is not null
),

summed as (
    select
        athlete_id,
        content_sha256,
        sum(seconds) as hr_seconds,
        sum(trimp) as trimp,
        sum(seconds * heart_rate) / nullif(sum(seconds), 0) as mean_heart_rate,
        sum(seconds) filter (where zone = 1) as hr_zone1_s,
        sum(seconds) filter (where zone = 2) as hr_zone2_s,
        sum(seconds) filter (where zone = 3) as hr_zone3_s,
        sum(seconds) filter (where zone = 4) as hr_zone4_s,
        sum(seconds) filter (where zone = 5) as hr_zone5_s
    from scored
    group by athlete_id, content_sha256
)

select
    to_write.athlete_id,
    to_write.content_sha256,
    to_write.load_id,
    to_write.max_heart_rate,
    to_write.resting_heart_rate,
    to_write.trimp_k,
    to_write.trimp_b,
    coalesce(summed.hr_seconds, 0)::double precision as hr_seconds,
    case when summed.hr_seconds > 0 then summed.trimp end::double precision as trimp,
    summed.mean_heart_rate::double precision as mean_heart_rate,
    case
        when to_write.max_heart_rate is not null then coalesce(summed.hr_zone1_s, 0)
    end::double precision as hr_zone1_s,
    case
        when to_write.max_heart_rate is not null then coalesce(summed.hr_zone2_s, 0)
    end::double precision as hr_zone2_s,
    case
        when to_write.max_heart_rate is not null then coalesce(summed.hr_zone3_s, 0)
    end::double precision as hr_zone3_s,
    case
        when to_write.max_heart_rate is not null then coalesce(summed.hr_zone4_s, 0)
    end::double precision as hr_zone4_s,
    case
        when to_write.max_heart_rate is not null then coalesce(summed.hr_zone5_s, 0)
    end::double precision as hr_zone5_s
from to_write
left join summed
    on
        to_write.athlete_id = summed.athlete_id
        and to_write.content_sha256 = summed.content_sha256
