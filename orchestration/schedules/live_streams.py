"""Schedules of the live streams: retention, the live marts, the daily bike report."""

import dagster as dg

from fitelt.settings import Settings
from orchestration.jobs.live_streams import daily_report_job, foot_sensor_retention, live_marts_job

retention_hourly = dg.ScheduleDefinition(
    name="foot_sensor_retention_hourly",
    job=foot_sensor_retention,
    cron_schedule="7 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

live_marts_every_10m = dg.ScheduleDefinition(
    name="live_marts_every_10m",
    job=live_marts_job,
    cron_schedule="*/10 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


@dg.schedule(
    name="bikes_daily_report_1645",
    job=daily_report_job,
    cron_schedule="45 16 * * *",
    execution_timezone=Settings.from_env().default_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The last 24 hours up to the scheduled instant, emailed."""
    end = context.scheduled_execution_time.isoformat()
    config = {"end": end, "send_email": True}
    run_config = {"ops": {"bikes_daily_report": {"config": config}}}
    return dg.RunRequest(run_key=end, run_config=run_config)


LIVE_SCHEDULES = [retention_hourly, live_marts_every_10m, daily_report_schedule]
