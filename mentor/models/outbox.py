"""Outgoing e-mail, written in the same transaction as the change that causes it.

A worker claims pending rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and sends them over SMTP,
so a rolled-back change never sends a mail and a crashed send is retried.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentor.db import Base, Retention, utcnow
from mentor.models._types import JSONDocument, not_personal, personal, str_enum

OUTBOX = Retention.OUTBOX


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxEmail(Base):
    __tablename__ = "outbox_email"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        # The worker's query: the oldest pending mails first.
        Index("ix_outbox_email_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(OUTBOX))
    to_address: Mapped[str] = mapped_column(String(254), info=personal(OUTBOX))
    subject: Mapped[str] = mapped_column(String(300), info=personal(OUTBOX))
    body_text: Mapped[str] = mapped_column(Text, info=personal(OUTBOX))
    body_html: Mapped[str | None] = mapped_column(Text, info=personal(OUTBOX))
    # [{"filename": "moede.ics", "content_type": "text/calendar", "content": "<base64>"}]
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSONDocument, info=personal(OUTBOX)
    )
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, name="state"),
        default=OutboxState.PENDING,
        info=not_personal(OUTBOX),
    )
    attempts: Mapped[int] = mapped_column(default=0, info=not_personal(OUTBOX))
    # SMTP errors can echo the address back.
    last_error: Mapped[str | None] = mapped_column(Text, info=personal(OUTBOX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(OUTBOX))
    claimed_at: Mapped[datetime | None] = mapped_column(info=not_personal(OUTBOX))
    sent_at: Mapped[datetime | None] = mapped_column(info=not_personal(OUTBOX))
