"""Jobs of the live streams (their schedules: schedules/live_streams.py).

* `foot_sensor_poll` / `bikes_refresh`: the loads, chained by the sensors in `sensors.py`.
* `foot_sensor_retention` (hourly): prune raw readings older than the retention, never anomalies.
* `live_marts` (every 10 minutes): rebuild the foot-sensor and bike staging views and marts.
* `daily_bike_report` (16:45 local): refresh the bike marts, write the report and email it.
"""

import dagster as dg

from dlt_sources.foot_sensors import prune_readings
from fitelt.live.settings import LiveSettings
from orchestration.assets.bikes import BIKES_JOB
from orchestration.resources.warehouse import WarehouseResource

FOOT, BIKES = "foot_sensor", "bikes"
_LOADS = dg.AssetSelection.groups(FOOT, BIKES)
_NOT_MARTS = dg.AssetSelection.assets("report_site", "bikes_daily_report")

foot_sensor_job = dg.define_asset_job(
    name="foot_sensor_poll",
    selection=dg.AssetSelection.groups(FOOT),
    description="Poll the foot-pressure sensors for one window (readings, anomalies, persons).",
    # No `fitelt/source` run tag: the next window's run is launched while this one still polls
    # (see sensors.foot_sensor_stream); COPY batches of two runs never conflict.
    tags={"fitelt/stream": FOOT},
    executor_def=dg.in_process_executor,  # no step subprocess: a faster start
)

bikes_job = dg.define_asset_job(
    name=BIKES_JOB,
    selection=dg.AssetSelection.groups(BIKES),
    description="Read the bike log for one window (alerts sent as lines arrive), then retry "
    "any heart-rate alert that could not be sent.",
    # No `fitelt/source` run tag: the next window's run is launched while this one still reads
    # (see sensors.bikes_stream) and waits in the asset for it to finish.
    tags={"fitelt/stream": BIKES},
    executor_def=dg.in_process_executor,
)

live_marts_job = dg.define_asset_job(
    name="live_marts",
    selection=_LOADS.downstream() - _LOADS - _NOT_MARTS,
    description="Rebuild the foot-sensor and bike staging views and marts with their tests.",
    tags={"fitelt/source": "live_marts"},
)

daily_report_job = dg.define_asset_job(
    name="daily_bike_report",
    selection=(
        dg.AssetSelection.groups(BIKES).downstream()
        - dg.AssetSelection.groups(BIKES)
        - dg.AssetSelection.assets("report_site")
    ),
    description="Refresh the bike marts, then write and email the daily bike report.",
    tags={"fitelt/source": "bikes_daily_report"},
)


@dg.op(description="Delete raw foot-sensor readings older than FITELT_SENSOR_RETENTION_HOURS.")
def prune_foot_sensor_readings(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> int:
    hours = LiveSettings.from_env().sensor_retention_hours
    deleted = prune_readings(warehouse.warehouse().admin.dsn(), hours)
    context.log.info("pruned %d readings older than %g h (anomalies are kept)", deleted, hours)
    return deleted


@dg.job(tags={"fitelt/source": "foot_sensor_retention"})
def foot_sensor_retention() -> None:
    """Prune raw foot-sensor readings past the retention window."""
    prune_foot_sensor_readings()


LIVE_JOBS = [foot_sensor_job, bikes_job, live_marts_job, daily_report_job, foot_sensor_retention]
