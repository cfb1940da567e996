"""Each source refreshes every 3 hours, with everything downstream."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs.sources import SOURCE_JOBS

SCHEDULES = [
    dg.ScheduleDefinition(
        name=f"{source}_every_3h",
        job=job,
        cron_schedule="0 */3 * * *",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    for source, job in SOURCE_JOBS.items()
]
