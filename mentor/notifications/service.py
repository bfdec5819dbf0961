"""Queueing e-mails. A mail is written in the same transaction as the change that causes it, so a
rolled-back change sends nothing and a committed one is never forgotten."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.i18n import using_locale
from mentor.models import OutboxEmail, OutboxState
from mentor.web.templating import environment

OUTBOX_PENDING = "outbox_pending"


def queue_email(
    db: Session,
    *,
    to: str,
    template: str,
    locale: str,
    context: dict[str, Any],
) -> OutboxEmail:
    """Render ``templates/email/<template>.txt`` in the recipient's language and queue it.

    The template's first line is the subject.
    """
    with using_locale(locale):
        rendered = environment().get_template(f"email/{template}.txt").render(context)
    subject, _, body = rendered.partition("\n")
    mail = OutboxEmail(
        to_address=to,
        subject=subject.strip(),
        body_text=body.strip() + "\n",
        state=OutboxState.PENDING,
        attempts=0,
        created_at=utcnow(),
    )
    db.add(mail)
    db.flush()
    # Tells the request's session dependency to deliver once the response is sent.
    db.info[OUTBOX_PENDING] = True
    return mail
