"""The audit log: who read or changed which pupil's data, and security events.

Append-only. References to people are ``SET NULL`` on delete so that erasing a pupil or a user on
request removes the link without losing the fact that something happened; the details of such
events are cleared by the privacy job.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mentor.db import Base, Retention, utcnow
from mentor.models._types import JSONDocument, not_personal, personal

AUDIT = Retention.AUDIT


class AuditAction(StrEnum):
    """The actions we log today. Stored as plain text: a new action needs no migration."""

    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    ANONYMISE = "anonymise"
    # A pupil's data deleted on their request (GDPR Art. 17); the event names no one.
    ERASE = "erase"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    INVITE = "invite"


class AuditEvent(Base):
    __tablename__ = "audit_event"

    # The largest table by far on a national installation; SQLite only autoincrements INTEGER keys.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        info=not_personal(AUDIT),
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True, info=not_personal(AUDIT))
    # None for events without a logged-in user (a failed login, a pupil's link, a scheduled job).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(AUDIT)
    )
    action: Mapped[str] = mapped_column(String(40), info=not_personal(AUDIT))
    object_type: Mapped[str] = mapped_column(String(40), info=not_personal(AUDIT))
    object_id: Mapped[str | None] = mapped_column(String(64), info=personal(AUDIT))
    # The pupil whose data was touched, so that a subject-access request lists who saw what.
    pupil_id: Mapped[int | None] = mapped_column(
        ForeignKey("pupil.id", ondelete="SET NULL"), index=True, info=personal(AUDIT)
    )
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, info=personal(AUDIT))
    ip: Mapped[str | None] = mapped_column(String(45), info=personal(AUDIT))


class AuditMaintenance(Base):
    """While a row is here, the audit log may be changed (``mentor.audit.maintenance``).

    Written and removed again within one transaction by the retention job and by erasure, so no
    other transaction ever sees one; the database's triggers refuse every other change or
    deletion of an audit event (the migration ``append_only_audit``).
    """

    __tablename__ = "audit_maintenance"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(AUDIT))
    reason: Mapped[str] = mapped_column(String(40), info=not_personal(AUDIT))
