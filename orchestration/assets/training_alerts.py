"""Training alerts, checked after every rebuild of the training load (logic: fitelt/notify)."""

import dagster as dg

from fitelt.notify.alert_settings import AlertThresholds
from fitelt.notify.training_alerts import send_training_alerts
from orchestration.resources.live_streams import MailResource
from orchestration.resources.warehouse import WarehouseResource

# Downstream of the mart it evaluates and of the raw tables whose silence it watches, so each
# source job that rebuilds training load (or loads weigh-ins or Strava) runs it after.
INPUTS = [
    dg.AssetKey(["marts", "training_load_daily"]),
    dg.AssetKey(["withings", "measures"]),
    dg.AssetKey(["strava", "activities"]),
]


@dg.asset(
    # Not the dbt source fitelt.training_alerts' key: that source feeds marts.data_health_alerts,
    # and sharing the key would make dbt -> alerts -> dbt a loop that splits every job's dbt
    # step in two. The data-health page shows the alerts of the run before (one run behind).
    key=["alerts", "training_alerts"],
    deps=INPUTS,
    group_name="alerts",
    kinds={"python", "email"},
)
def training_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, mail: MailResource
) -> dg.MaterializeResult:
    """Email each athlete's ACWR / TSB / ramp-rate / silent-source alert, once a day."""
    limits = AlertThresholds.from_env()  # a bad FITELT_ALERT_* fails here, before any work
    settings = warehouse.settings
    stats = send_training_alerts(
        warehouse.warehouse().admin.dsn(),
        mail.mailer(settings.data_dir),
        mail.alert_to,
        limits=limits,
        default_tz=settings.default_timezone,
    )
    context.log.info(
        "training alerts: %d athlete(s), %d condition(s) hold, %d sent, %d undelivered, "
        "%d failed", stats.athletes, stats.conditions, stats.sent, stats.undelivered, stats.failed,
    )  # fmt: skip
    if stats.failed:
        raise dg.Failure(
            description=f"{stats.failed} alert(s) could not be sent; the next run retries them"
        )
    return dg.MaterializeResult(
        metadata={
            "athletes": dg.MetadataValue.int(stats.athletes),
            "conditions": dg.MetadataValue.int(stats.conditions),
            "sent": dg.MetadataValue.int(stats.sent),
            "undelivered": dg.MetadataValue.int(stats.undelivered),
        }
    )
