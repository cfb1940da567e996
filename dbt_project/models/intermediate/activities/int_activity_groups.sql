{#-
    Every activity version (int_activity_versions) with the activity it belongs to and its rank
    among that activity's versions. The same activity must not count twice, so versions merge:

    1. Units: versions that are certainly one activity. Same base_key (a FIT file_identity =
       device serial + start, else one file content); a Strava row and the files of a bulk
       export that name its activity id (strava_activity_id), whatever their sports or starts.
       unit_key = the smallest key reachable in two steps (key → Strava link → key).
    2. Groups: per athlete and sport family (the sport of the unit's best version), units sorted
       by start; a unit starts a new group when it starts more than `tolerance_s` after the
       previous unit, or when both are recordings of one device (same serial, different
       file_identity: a device records one activity at a time). A running sum of those starts
       numbers the groups: one sort, no pairwise join. Groups chain: units 100 s apart each
       make one group however long the chain.
    3. activity_id = md5(athlete_id | sport family | floor epoch of the group's earliest start).
       Deterministic over the versions present; it changes when a version starting earlier
       joins the group (or a new version bridges two groups), and the marts follow.
    4. Best version first (version_rank 1 = is_chosen): has records, more records, then format
       fit > tcx > gpx > strava api > strava export, then earlier start, then version_key.
-#}
{%- set tolerance_s = 120 %}

with versions as (
    select * from {{ ref('int_activity_versions') }}
),

strava_links as (
    select
        athlete_id,
        strava_activity_id,
        min(base_key) as linked_key
    from versions
    where content_sha256 is not null and strava_activity_id is not null
    group by athlete_id, strava_activity_id
),

linked as (
    select
        versions.*,
        coalesce(strava_links.linked_key, versions.base_key) as linked_key
    from versions
    left join strava_links
        on
            versions.athlete_id = strava_links.athlete_id
            and versions.strava_activity_id = strava_links.strava_activity_id
),

units as (
    select
        *,
        min(linked_key) over (partition by athlete_id, base_key) as unit_key
    from linked
),

unit_rows as (
    select
        athlete_id,
        unit_key,
        (array_agg(
            sport
            order by
                record_count > 0 desc, record_count desc, format_rank asc, started_at asc,
                version_key asc
        ))[1] as activity_sport,
        min(started_at) as unit_start,
        min(device_serial) as device_serial,
        min(file_identity) as file_identity
    from units
    group by athlete_id, unit_key
),

sequenced as (
    select
        *,
        lag(unit_start) over unit_order as previous_start,
        lag(device_serial) over unit_order as previous_serial,
        lag(file_identity) over unit_order as previous_identity
    from unit_rows
    window unit_order as (partition by athlete_id, activity_sport order by unit_start, unit_key)
),

numbered as (
    select
        *,
        sum(
            case
                when previous_start is null then 1
                when unit_start - previous_start > interval '{{ tolerance_s }} seconds' then 1
                when
                    device_serial = previous_serial and file_identity <> previous_identity
                    then 1
                else 0
            end
        ) over (
            partition by athlete_id, activity_sport
            order by unit_start, unit_key
            rows between unbounded preceding and current row
        ) as group_number
    from sequenced
),

grouped as (
    select
        athlete_id,
        unit_key,
        activity_sport,
        min(unit_start) over (
            partition by athlete_id, activity_sport, group_number
        ) as activity_start
    from numbered
),

assigned as (
    select
        units.*,
        grouped.activity_sport,
        grouped.activity_start,
        md5(
            units.athlete_id || '|' || grouped.activity_sport || '|'
            || floor(extract(epoch from grouped.activity_start))::bigint
        ) as activity_id
    from units
    inner join grouped
        on
            units.athlete_id = grouped.athlete_id
            and units.unit_key = grouped.unit_key
)

select
    *,
    row_number() over best_first as version_rank,
    row_number() over best_first = 1 as is_chosen,
    count(*) over (partition by activity_id) as versions_merged
from assigned
window best_first as (
    partition by activity_id
    order by
        record_count > 0 desc, record_count desc, format_rank asc, started_at asc,
        version_key asc
)
