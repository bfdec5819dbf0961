"""Pupils' and ambassadors' requests to see (GDPR Art. 15) or erase (Art. 17) their data, and
how they were met.

A request is kept with the audit log (it shows that the programme answered, and when): after an
erasure it no longer points at the subject (the database sets ``pupil_id`` or ``ambassador_id``
to NULL) and keeps only ``subject_label``, the former number, which names no one once the
subject's rows are gone.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, utcnow
from mentor.models._types import not_personal, personal, str_enum

if TYPE_CHECKING:
    from mentor.models.account import User

AUDIT = Retention.AUDIT


class PrivacyRequestKind(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"


class PrivacySubject(StrEnum):
    """Whom a request concerns (the first word of ``subject_label``)."""

    PUPIL = "pupil"
    AMBASSADOR = "ambassador"


class PrivacyRequest(Base):
    __tablename__ = "privacy_request"
    __table_args__ = (CheckConstraint("due_on >= received_on", name="due_after_received"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(AUDIT))
    kind: Mapped[PrivacyRequestKind] = mapped_column(
        str_enum(PrivacyRequestKind, name="kind"), info=not_personal(AUDIT)
    )
    pupil_id: Mapped[int | None] = mapped_column(
        ForeignKey("pupil.id", ondelete="SET NULL"), index=True, info=personal(AUDIT)
    )
    ambassador_id: Mapped[int | None] = mapped_column(
        ForeignKey("ambassador.id", ondelete="SET NULL"), index=True, info=personal(AUDIT)
    )
    # "pupil #123" or "ambassador #45": the number only, so that the request still says whom it
    # was about after the erasure, without a name.
    subject_label: Mapped[str] = mapped_column(String(40), info=not_personal(AUDIT))
    # Who asked, as the admin wrote it down ("the mother", "the pupil by phone").
    requested_by: Mapped[str] = mapped_column(String(200), info=personal(AUDIT))
    received_on: Mapped[date] = mapped_column(info=not_personal(AUDIT))
    # One month after receipt (Art. 12(3)): the same day next month, or that month's last day.
    due_on: Mapped[date] = mapped_column(info=not_personal(AUDIT))
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(AUDIT)
    )
    registered_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(AUDIT))
    completed_at: Mapped[datetime | None] = mapped_column(info=not_personal(AUDIT))
    completed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(AUDIT)
    )

    registered_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[registered_by_id])
    completed_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[completed_by_id])

    @property
    def subject_number(self) -> str:
        """The subject's former number, from the label ("123")."""
        return self.subject_label.rpartition("#")[2]

    @property
    def subject_kind(self) -> PrivacySubject:
        """Whom it concerns, from the label (it outlives the erasure)."""
        return PrivacySubject(self.subject_label.partition(" ")[0])

    @property
    def is_open(self) -> bool:
        return self.completed_at is None
