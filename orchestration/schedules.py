"""Jobs and schedules: each source refreshes every 3 hours, with everything downstream."""

from __future__ import annotations

import dagster as dg

SOURCES = ("withings", "strava", "crossfit")


def source_job(source: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name=f"{source}_refresh",
        selection=dg.AssetSelection.groups(source).downstream(),
        description=f"Load {source} and rebuild everything downstream of it.",
        tags={"fitelt/source": source},
    )


SOURCE_JOBS = {source: source_job(source) for source in SOURCES}

SCHEDULES = [
    dg.ScheduleDefinition(
        name=f"{source}_every_3h",
        job=job,
        cron_schedule="0 */3 * * *",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    for source, job in SOURCE_JOBS.items()
]
