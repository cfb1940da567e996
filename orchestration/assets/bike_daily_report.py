"""The daily bike report: the last 24 hours as an HTML page, emailed when scheduled.

Materialising it by hand (or with `fitelt materialize`) only writes the page; the 16:45
schedule also emails it (config `send_email`).
"""

from datetime import UTC, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import dagster as dg

from fitelt.live.settings import LiveSettings
from fitelt.notify.daily_html import render_daily_report, write_daily_report
from fitelt.notify.daily_summary import daily_summary
from orchestration.resources.live_streams import MailResource
from orchestration.resources.warehouse import WarehouseResource

REPORT_DEPS = [dg.AssetKey(["marts", "bike_rides"]), dg.AssetKey(["bikes", "hr_alerts"])]


class DailyReportConfig(dg.Config):
    end: str | None = None  # ISO instant closing the 24-hour window; default: now
    send_email: bool = False


@dg.asset(deps=REPORT_DEPS, group_name="reports", kinds={"html", "email"})
def bikes_daily_report(
    context: dg.AssetExecutionContext,
    config: DailyReportConfig,
    warehouse: WarehouseResource,
    mail: MailResource,
) -> dg.MaterializeResult:
    """Render `<data_dir>/reports/daily/YYYY-MM-DD.html` (+ index) and optionally email it."""
    tz = ZoneInfo(warehouse.default_timezone)
    end = datetime.fromisoformat(config.end) if config.end else datetime.now(UTC)
    end = (end if end.tzinfo else end.replace(tzinfo=tz)).astimezone(tz)
    summary = daily_summary(warehouse.warehouse().admin.dsn(), end)
    page = render_daily_report(summary, tz)
    folder = warehouse.settings.data_dir / "reports" / "daily"
    path = write_daily_report(folder, summary, page)
    context.log.info("daily report for %s written to %s", summary.day, path)
    delivered = "not sent"
    if config.send_email:
        live = LiveSettings.from_env()
        mailer = mail.mailer(warehouse.settings.data_dir)
        subject = (
            f"{'!! WARNING !! ' if summary.warning else ''}Daily bike report {summary.day}: "
            f"{summary.totals['rides']} rides, {len(summary.alerts)} heart-rate alerts"
        )
        text = (
            f"The daily bike report for {summary.day} is attached.\n"
            f"Today's report: {live.public_url}/v1/reports/daily/{summary.day}\n"
            f"All reports: {live.public_url}/v1/reports/daily/\n"
        )
        msg: EmailMessage = mailer.message(mail.report_to or "", subject, text, page)
        msg.add_attachment(page.encode(), maintype="text", subtype="html", filename=path.name)
        delivered = mailer.send(msg).method
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "rides": dg.MetadataValue.int(int(summary.totals["rides"])),
            "alerts": dg.MetadataValue.int(len(summary.alerts)),
            "email": dg.MetadataValue.text(delivered),
        }
    )
