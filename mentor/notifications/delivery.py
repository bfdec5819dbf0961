"""Delivering the outbox: over SMTP, or as ``.eml`` files when no SMTP server is configured.

Safe to run from several processes at once: on PostgreSQL each mail is claimed with
``FOR UPDATE SKIP LOCKED``; SQLite serialises writers anyway.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import OutboxEmail, OutboxState

logger = logging.getLogger(__name__)
_LINK = re.compile(r"https?://\S+")
MAX_ATTEMPTS = 5
BATCH_SIZE = 50


def build_message(mail: OutboxEmail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="ambassador.local")
    message.set_content(mail.body_text)
    for attachment in mail.attachments or []:
        # "text/calendar; method=REQUEST": calendar clients read the method from the part's type.
        kind, *parameters = (part.strip() for part in attachment["content_type"].split(";"))
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=dict(parameter.partition("=")[::2] for parameter in parameters if parameter),
        )
    return message


def _send(message: EmailMessage, settings: Settings) -> None:
    if settings.smtp_host is None:
        folder = Path(settings.mail_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}.eml"
        (folder / name).write_bytes(bytes(message))
        # The file, not the address: a log line never names a person (tests/log_scan.py).
        logger.info("mail written to %s", folder / name)
        print(f"[mail] written to {folder / name}")
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


def deliver_pending(db: Session, settings: Settings) -> int:
    """Send pending mail; returns how many were sent. Commits after each mail."""
    sent = 0
    while True:
        query = (
            select(OutboxEmail)
            .where(OutboxEmail.state == OutboxState.PENDING)
            .order_by(OutboxEmail.id)
            .limit(BATCH_SIZE)
            .with_for_update(skip_locked=True)
        )
        batch = list(db.scalars(query))
        if not batch:
            return sent
        for mail in batch:
            mail.attempts += 1
            mail.claimed_at = utcnow()
            try:
                _send(build_message(mail, settings), settings)
            except (OSError, smtplib.SMTPException) as error:
                mail.last_error = str(error)[:500]
                if mail.attempts >= MAX_ATTEMPTS:
                    mail.state = OutboxState.FAILED
                # The error's kind only: SMTP's own words may quote the addresses.
                logger.warning("mail %s not sent: %s", mail.id, type(error).__name__)
                db.commit()
                return sent  # the server is unwell: try again on the next run
            mail.state = OutboxState.SENT
            mail.sent_at = utcnow()
            db.commit()
            sent += 1


def deliver_in_background(factory: sessionmaker[Session], settings: Settings) -> None:
    """Run after a response is sent; failures stay in the outbox for `mentor mail send`."""
    try:
        with factory() as db:
            deliver_pending(db, settings)
    except Exception:
        logger.exception("outbox delivery failed")
