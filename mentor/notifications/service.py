"""Queueing e-mails. A mail is written in the same transaction as the change that causes it, so a
rolled-back change sends nothing and a committed one is never forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from mentor.db import bulk_insert, utcnow
from mentor.i18n import using_locale
from mentor.models import OutboxEmail, OutboxState
from mentor.web.templating import environment

OUTBOX_PENDING = "outbox_pending"


@dataclass(frozen=True)
class Attachment:
    """A file an e-mail carries (a meeting's .ics invitation). Text only: the outbox keeps it
    as a string."""

    filename: str
    content_type: str
    content: str

    def as_json(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content": self.content,
        }


@dataclass(frozen=True)
class QueuedEmail:
    to: str
    template: str
    locale: str
    context: dict[str, Any]


def _render(mail: QueuedEmail) -> dict[str, Any]:
    """``templates/email/<template>.txt`` in the recipient's language; its first line is the
    subject."""
    with using_locale(mail.locale):
        rendered = environment().get_template(f"email/{mail.template}.txt").render(mail.context)
    subject, _, body = rendered.partition("\n")
    return {
        "to_address": mail.to,
        "subject": subject.strip(),
        "body_text": body.strip() + "\n",
        "state": OutboxState.PENDING.value,  # a plain value: COPY sends it as it is
        "attempts": 0,
        "created_at": utcnow(),
    }


def queue_email(
    db: Session,
    *,
    to: str,
    template: str,
    locale: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
) -> OutboxEmail:
    """Render ``templates/email/<template>.txt`` in the recipient's language and queue it."""
    mail = OutboxEmail(
        **{**_render(QueuedEmail(to, template, locale, context)), "state": OutboxState.PENDING},
        attachments=[attachment.as_json() for attachment in attachments or []] or None,
    )
    db.add(mail)
    db.flush()
    # Tells the request's session dependency to deliver once the response is sent.
    db.info[OUTBOX_PENDING] = True
    return mail


def queue_emails(db: Session, mails: list[QueuedEmail]) -> None:
    """Queue many e-mails in one statement (a matching run writes to hundreds of ambassadors)."""
    if not mails:
        return
    bulk_insert(db, cast(Table, OutboxEmail.__table__), [_render(mail) for mail in mails])
    db.info[OUTBOX_PENDING] = True
