"""Sensors keeping the live loads going while their APIs answer, and idle when they do not.

Each tick costs one short request (1 s timeout) at most, and none while a run is busy.
"""

import time

import dagster as dg

from fitelt.live.settings import WINDOW_END_TAG
from orchestration.jobs.live_streams import bikes_job, foot_sensor_job
from orchestration.resources.live_streams import BikeLogApiResource, FootSensorApiResource

_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
DEFAULT_LEAD_S, MIN_LEAD_S, MAX_LEAD_S = 15.0, 5.0, 120.0


def _launch_lead_s(record: dg.RunRecord) -> float:
    """How long before a window ends to launch the next run: this run's own launch latency."""
    if record.start_time is None:
        return DEFAULT_LEAD_S
    latency = record.start_time - record.create_timestamp.timestamp()
    return min(MAX_LEAD_S, max(MIN_LEAD_S, latency + 3.0))


def window_handover(
    context: dg.SensorEvaluationContext, job_name: str
) -> dg.SkipReason | float | None:
    """Whether to launch the job's next window now: a SkipReason while the next run already
    waits or the current window has longer to go than a launch takes; else the current
    window's end (epoch s), or None when no run is active."""
    active = context.instance.get_run_records(
        filters=dg.RunsFilter(job_name=job_name, statuses=_ACTIVE), limit=2
    )
    if len(active) > 1:
        return dg.SkipReason("the next window is already waiting")
    if not active:
        return None
    end = active[0].dagster_run.tags.get(WINDOW_END_TAG)
    if end is None:
        return dg.SkipReason("a window is starting")
    remaining = float(end) - time.time()
    if remaining > _launch_lead_s(active[0]):
        return dg.SkipReason(f"the current window ends in {remaining:.0f} s")
    return float(end)


@dg.sensor(
    name="foot_sensor_stream",
    job=foot_sensor_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keep foot-sensor polling windows back to back: the next run is launched while "
    "the current window still polls, and starts polling when it ends.",
)
def foot_sensor_stream(
    context: dg.SensorEvaluationContext, foot_sensor_api: FootSensorApiResource
) -> dg.RunRequest | dg.SkipReason:
    if not foot_sensor_api.url:
        return dg.SkipReason("FITELT_SENSORS_API is not set")
    handover = window_handover(context, foot_sensor_job.name)
    if isinstance(handover, dg.SkipReason):
        return handover
    not_before = handover
    if not foot_sensor_api.reachable():
        return dg.SkipReason(f"sensors API {foot_sensor_api.url} is unreachable")
    config = {"not_before": not_before} if not_before else {}
    return dg.RunRequest(run_config={"ops": {"foot_sensor": {"config": config}}})


@dg.sensor(
    name="bikes_stream",
    job=bikes_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keep bike-log reading windows back to back while lines arrive: the next run "
    "is launched before the current window ends and starts reading when it finishes.",
)
def bikes_stream(
    context: dg.SensorEvaluationContext, bike_api: BikeLogApiResource
) -> dg.RunRequest | dg.SkipReason:
    client = bike_api.client()
    if client is None:
        return dg.SkipReason("FITELT_BIKES_API is not set")
    handover = window_handover(context, bikes_job.name)
    if isinstance(handover, dg.SkipReason):
        return handover
    status = client.probe()
    if status is None:
        return dg.SkipReason(f"bike log endpoint {client.base_url} is unreachable")
    position = f"{status.get('stream_id')}:{status.get('end_offset')}"
    if handover is None and position == context.cursor:
        return dg.SkipReason("no new log lines")
    context.update_cursor(position)
    return dg.RunRequest()


LIVE_SENSORS = [foot_sensor_stream, bikes_stream]
