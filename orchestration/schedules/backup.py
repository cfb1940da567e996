"""The warehouse is backed up every night."""

import dagster as dg

from fitelt.settings import Settings
from orchestration.jobs.backup import backup_job

backup_daily = dg.ScheduleDefinition(
    name="warehouse_backup_daily",
    job=backup_job,
    cron_schedule="30 2 * * *",  # 02:30, after the midnight loads
    execution_timezone=Settings.from_env().default_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
