"""Send an email by SMTP, or — with no SMTP host configured — write it to the outbox folder."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from fitelt.live.settings import SmtpSettings
from fitelt.private_files import private_dir, private_file

log = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Delivery:
    method: str  # "smtp" or "outbox"
    detail: str  # the server, or the .eml path


class Mailer:
    def __init__(self, smtp: SmtpSettings | None, outbox: Path) -> None:
        self.smtp = smtp
        self.outbox = outbox

    @property
    def sender(self) -> str:
        return self.smtp.sender if self.smtp else "fitelt@localhost"

    def message(self, to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain="fitelt.local")
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
        return msg

    def send(self, msg: EmailMessage) -> Delivery:
        """Deliver `msg`; raises OSError/smtplib.SMTPException when the server refuses it."""
        if self.smtp is None or not msg["To"]:
            return self._to_outbox(msg)
        smtp = self.smtp
        mode = smtp.tls
        if mode == "auto":
            mode = "ssl" if smtp.port == 465 else "starttls-if-offered"
        if mode == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S)
        with client:
            client.ehlo()
            if mode == "starttls" or (
                mode == "starttls-if-offered" and client.has_extn("starttls")
            ):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(msg)
        log.info("sent %r to %s via %s:%d", msg["Subject"], msg["To"], smtp.host, smtp.port)
        return Delivery("smtp", f"{smtp.host}:{smtp.port}")

    def _to_outbox(self, msg: EmailMessage) -> Delivery:
        private_dir(self.outbox)  # 0700, files 0600: alerts name riders and heart rates
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        slug = re.sub(r"[^a-z0-9]+", "-", str(msg["Subject"]).lower()).strip("-")[:60]
        path = self.outbox / f"{stamp}-{slug}.eml"
        private_file(path, bytes(msg))
        log.info("no SMTP configured (FITELT_SMTP_HOST): wrote %r to %s", msg["Subject"], path)
        return Delivery("outbox", str(path))
