"""Heart-rate alerts, checked after every bike load: one email per ride above the age limit."""

import dagster as dg

from dlt_sources.bikes.settings import SOURCE
from fitelt.notify.hr_alerts import send_alerts
from orchestration.assets.bikes import SPECS
from orchestration.resources.live_streams import MailResource
from orchestration.resources.warehouse import WarehouseResource


@dg.asset(
    key=[SOURCE, "hr_alerts"],
    deps=[spec.key for spec in SPECS],
    group_name=SOURCE,
    kinds={"python", "email"},
    op_tags={"fitelt/source": SOURCE},
)
def bikes_hr_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, mail: MailResource
) -> dg.MaterializeResult:
    """Email an alert for each recent ride whose heart rate passed the rider's limit, once."""
    settings = warehouse.settings
    stats = send_alerts(
        warehouse.warehouse().admin.dsn(), mail.mailer(settings.data_dir), mail.alert_to
    )
    context.log.info(
        "heart-rate alerts: %d ride(s) above the limit without one, %d sent, %d failed",
        stats.candidates, stats.sent, stats.failed,
    )  # fmt: skip
    if stats.failed:
        raise dg.Failure(
            description=f"{stats.failed} alert(s) could not be sent; the next run retries them"
        )
    return dg.MaterializeResult(
        metadata={
            "sent": dg.MetadataValue.int(stats.sent),
            "rides_over_limit_unalerted": dg.MetadataValue.int(stats.candidates),
        }
    )
