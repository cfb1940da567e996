"""Bike telemetry: the log endpoint read from the last offset into riders, rides and seconds.

One run reads the log every `interval_s` for a window of `window_s` (FITELT_BIKES_*), so new
lines reach PostgreSQL, and the heart-rate alerts they call for go out, within about a second.
The run ends early once the log has been quiet for `idle_s`. The `bikes_stream` sensor launches
the next run before a window ends; that run waits for this one to finish before it reads (one
dlt pipeline, one reader at a time).
"""

import time
from collections.abc import Iterator

import dagster as dg

from dlt_sources.bikes import BIKES_HINTS, bikes_source
from dlt_sources.bikes.deleted import deleted_ride_ids
from dlt_sources.bikes.settings import SOURCE
from dlt_sources.common.tables import ensure_tables
from fitelt.live.settings import WINDOW_END_TAG
from fitelt.notify.hr_alerts import send_alerts
from fitelt.warehouse.raw_tables import raw_table_exists
from orchestration.lib.run_log import source_logs_in_run_log
from orchestration.lib.source_load import PIPELINE_LOGGERS, load_metadata
from orchestration.resources.live_streams import BikeLogApiResource, MailResource
from orchestration.resources.warehouse import WarehouseResource

BIKES_JOB = "bikes_refresh"
MAX_WAIT_S = 300.0
TABLES = {
    "riders": "Riders from the [SYSTEM] lines, merged on user_id.",
    "rides": "One row per ride with running summary metrics, merged on ride_id.",
    "ride_seconds": "One row per ride second (Ride + Telemetry lines combined).",
}
SPECS = [
    dg.AssetSpec([SOURCE, table], group_name=SOURCE, kinds={"dlt", "postgres"}, description=text)
    for table, text in TABLES.items()
]
_RUNNING = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


class BikeStreamConfig(dg.Config):
    """Override of the window length (unset = FITELT_BIKES_WINDOW_S; 0 = read once)."""

    window_s: float | None = None


def _wait_for_previous_run(context: dg.AssetExecutionContext) -> None:
    """Hold back while an earlier bike run still reads (the sensor launches the next early)."""
    own = context.instance.get_run_record_by_id(context.run_id)
    mine = own.create_timestamp if own is not None else None
    deadline = time.monotonic() + MAX_WAIT_S
    while time.monotonic() < deadline:
        records = context.instance.get_run_records(
            filters=dg.RunsFilter(job_name=BIKES_JOB, statuses=_RUNNING), limit=5
        )
        earlier = [
            r
            for r in records
            if r.dagster_run.run_id != context.run_id
            and (mine is None or r.create_timestamp < mine)
        ]
        if not earlier:
            return
        time.sleep(0.2)
    context.log.warning("an earlier bike run is still running after %.0f s: reading", MAX_WAIT_S)


@dg.multi_asset(specs=SPECS, name=SOURCE, can_subset=False, op_tags={"fitelt/source": SOURCE})
def bikes_assets(
    context: dg.AssetExecutionContext,
    config: BikeStreamConfig,
    warehouse: WarehouseResource,
    bike_api: BikeLogApiResource,
    mail: MailResource,
) -> Iterator[dg.MaterializeResult]:
    """Read new log lines (offset in dlt state) into raw.bikes_* for one window; alert as we go."""
    client = bike_api.client()
    if client is None:
        context.log.info("FITELT_BIKES_API is not set: nothing to read")
    elif client.probe() is None:
        context.log.warning("bike log endpoint %s is unreachable: nothing read", client.base_url)
        client = None
    window, interval, idle = bike_api.cadence()
    window = window if config.window_s is None else config.window_s
    if client is not None and context.dagster_run.job_name == BIKES_JOB:
        _wait_for_previous_run(context)  # before touching the dlt pipeline's working dir
    dsn = warehouse.warehouse().admin.dsn()
    mailer = mail.mailer(warehouse.settings.data_dir)
    end = time.time() + window
    context.instance.add_run_tags(context.run_id, {WINDOW_END_TAG: f"{end:.3f}"})
    reads = packages = alerts_sent = 0
    position: object = None
    quiet_since = time.monotonic()
    if client is None and raw_table_exists(warehouse.warehouse().admin, "bikes_rides"):
        context.log.info("bikes: no log endpoint and the tables exist: nothing to do")
    else:
        with (
            warehouse.exclusive_pipeline(SOURCE) as pipeline,
            source_logs_in_run_log(context, "dlt_sources.bikes", *PIPELINE_LOGGERS),
        ):
            while True:
                status = client.probe() if client is not None else None
                now = (status.get("stream_id"), status.get("end_offset")) if status else None
                if reads == 0 or (now is not None and now != position):
                    deleted = deleted_ride_ids(dsn) if client is not None else frozenset()
                    info = pipeline.run(bikes_source(client, deleted))
                    reads, packages = reads + 1, packages + len(info.loads_ids)
                    position, quiet_since = now, time.monotonic()
                    if reads == 1:  # staging views need the tables before the first ride
                        ensure_tables(pipeline, *BIKES_HINTS)
                    if client is not None and info.loads_ids:
                        alerts_sent += send_alerts(dsn, mailer, mail.alert_to).sent
                quiet = time.monotonic() - quiet_since >= idle
                if client is None or time.time() >= end or quiet:
                    break
                time.sleep(interval)
    context.log.info("bikes: %d read(s), %d load package(s), %d alert(s)", reads, packages,
                     alerts_sent)  # fmt: skip
    metadata = load_metadata(warehouse, SOURCE)
    metadata["load_packages"] = dg.MetadataValue.int(packages)
    metadata["reads"] = dg.MetadataValue.int(reads)
    metadata["alerts_sent"] = dg.MetadataValue.int(alerts_sent)
    for table in TABLES:
        yield dg.MaterializeResult(asset_key=[SOURCE, table], metadata=metadata)
