"""Foot-pressure sensors: one polling window per run, readings in PostgreSQL within a second.

The `foot_sensor_stream` sensor chains runs back to back while the API answers; each run polls
every person concurrently for `window_s` and writes a micro-batch every `batch_s` (COPY).
"""

import time
from collections.abc import Iterator

import dagster as dg

from dlt_sources.foot_sensors import FootSensorStore, PollStats, WindowPoller, ensure_tables
from dlt_sources.foot_sensors.settings import PERSON_IDS, SOURCE
from fitelt.live.settings import WINDOW_END_TAG
from orchestration.lib.run_log import source_logs_in_run_log
from orchestration.resources.live_streams import FootSensorApiResource
from orchestration.resources.warehouse import WarehouseResource

TABLES = {
    "readings": "Raw readings (person, sensor, poll instant); pruned after the retention.",
    "anomalies": "Readings the API flagged as anomalies; never pruned.",
    "persons": "People polled, merged on person_id.",
}
SPECS = [
    dg.AssetSpec([SOURCE, table], group_name=SOURCE, kinds={"python", "postgres"}, description=text)
    for table, text in TABLES.items()
]


MAX_WAIT_S = 300.0


class FootSensorPollConfig(dg.Config):
    """Overrides of the cadence; unset = FITELT_SENSOR_WINDOW_S / _DELAY_S / _BATCH_S.

    `not_before` (epoch seconds) holds the polling back until the previous window ends, so a
    run launched early (its process start-up overlapping that window) continues it seamlessly.
    """

    window_s: float | None = None
    delay_s: float | None = None
    batch_s: float | None = None
    not_before: float | None = None


@dg.multi_asset(specs=SPECS, name=SOURCE, can_subset=False, op_tags={"fitelt/source": SOURCE})
def foot_sensor_assets(
    context: dg.AssetExecutionContext,
    config: FootSensorPollConfig,
    warehouse: WarehouseResource,
    foot_sensor_api: FootSensorApiResource,
) -> Iterator[dg.MaterializeResult]:
    """Poll persons 1-6 for one window into raw.foot_sensor_{readings,anomalies,persons}."""
    dsn = warehouse.warehouse().admin.dsn()
    ensure_tables(dsn)  # dbt's sources resolve even before the first reading
    delay, window, batch = foot_sensor_api.cadence()
    delay = config.delay_s or delay
    window = config.window_s or window
    batch = config.batch_s or batch
    url = foot_sensor_api.url
    stats = PollStats()
    if not url:
        context.log.info("FITELT_SENSORS_API is not set: nothing to poll")
    elif not foot_sensor_api.reachable():
        context.log.warning("sensors API %s is unreachable: nothing polled", url)
    else:
        wait = min(MAX_WAIT_S, (config.not_before or 0.0) - time.time())
        if wait > 0:
            context.log.info("previous window still polling: starting in %.1f s", wait)
            time.sleep(wait)
        window_end = time.time() + window
        context.instance.add_run_tags(context.run_id, {WINDOW_END_TAG: f"{window_end:.3f}"})
        context.log.info(
            "polling %s for %.1f s (every %.2f s per person, batches every %.2f s)",
            url, window, delay, batch,
        )  # fmt: skip
        poller = WindowPoller(url, PERSON_IDS, delay_s=delay, window_s=window, batch_s=batch)
        with FootSensorStore(dsn) as store, source_logs_in_run_log(context, "dlt_sources"):
            stats = poller.run(store)
    common = {
        "requests": dg.MetadataValue.int(stats.requests),
        "failed_requests": dg.MetadataValue.int(stats.errors),
        "batches": dg.MetadataValue.int(stats.batches),
        "slowest_batch_s": dg.MetadataValue.float(round(stats.max_flush_s, 3)),
        "quarantined": dg.MetadataValue.int(stats.stored.quarantined),
    }
    written = {
        "readings": stats.stored.readings,
        "anomalies": stats.stored.anomalies,
        "persons": stats.stored.persons,
    }
    for table, rows in written.items():
        yield dg.MaterializeResult(
            asset_key=[SOURCE, table],
            metadata={**common, "rows_written": dg.MetadataValue.int(rows)},
        )
