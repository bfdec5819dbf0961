"""Ambassadors: students in youth education who mentor pupils, and their vetting.

Vetting follows *lov om indhentelse af børneattest*: anyone with a fixed affiliation who will have
direct contact with children under 15 needs a child-protection certificate before they start. Many
7th–8th graders are under 15, so an ambassador is matchable only when approved, with an approved
børneattest and completed training. Municipal practice is to delete the certificate once assessed
and keep only a note of the assessment: so we store the status, date and assessor — never the
certificate, its contents or the CPR number used to order it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, TimestampMixin
from mentor.models._types import JSONDocument, personal, str_enum
from mentor.models.account import User
from mentor.models.organisation import Interest, Organisation, Programme

ACCOUNT = Retention.ACCOUNT


class AmbassadorState(StrEnum):
    """The vetting pipeline. Only ACTIVE ambassadors may be proposed to pupils.

    applied → approved (to onboard) → certificate_requested → certificate_cleared → trained →
    active; and paused, left, rejected (with a reason).
    """

    APPLIED = "applied"
    APPROVED = "approved"
    CERTIFICATE_REQUESTED = "certificate_requested"
    CERTIFICATE_CLEARED = "certificate_cleared"
    TRAINED = "trained"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    REJECTED = "rejected"


class ContactPreference(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"


class Ambassador(TimestampMixin, Base):
    __tablename__ = "ambassador"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint("year_of_study BETWEEN 1 AND 6", name="year_of_study"),
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1950 AND 2100", name="birth_year"
        ),
        CheckConstraint("capacity <= 5", name="capacity_at_most_5"),
        # Past the børneattest step the assessment must be on record (date; the assessor may
        # later be erased, the date stays).
        CheckConstraint(
            "state NOT IN ('certificate_cleared', 'trained', 'active')"
            " OR child_certificate_assessed_at IS NOT NULL",
            name="child_certificate_assessed",
        ),
        CheckConstraint(
            "state NOT IN ('trained', 'active') OR training_completed_at IS NOT NULL",
            name="training_completed",
        ),
        CheckConstraint("state <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=personal(ACCOUNT))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True, info=personal(ACCOUNT)
    )
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=personal(ACCOUNT)
    )
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id"), index=True, info=personal(ACCOUNT)
    )
    year_of_study: Mapped[int] = mapped_column(SmallInteger, info=personal(ACCOUNT))
    # Pupils like to meet someone from their own school.
    former_school_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=personal(ACCOUNT)
    )
    birth_year: Mapped[int | None] = mapped_column(SmallInteger, info=personal(ACCOUNT))
    # ISO 639-1 codes, e.g. ["da", "en", "tr"].
    languages: Mapped[list[str]] = mapped_column(JSONDocument, default=list, info=personal(ACCOUNT))
    # Grades 7-10 the ambassador prefers; empty means any.
    preferred_grades: Mapped[list[int]] = mapped_column(
        JSONDocument, default=list, info=personal(ACCOUNT)
    )
    # How many pupils at once.
    capacity: Mapped[int] = mapped_column(SmallInteger, default=1, info=personal(ACCOUNT))
    # Weekly slots: [{"weekday": 0-6 (Monday = 0), "start": "14:00", "end": "16:00"}].
    availability: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, info=personal(ACCOUNT)
    )
    # Dates the ambassador cannot meet (exams, holidays): [{"start": "2027-05-10", "end": ...}].
    blackout_dates: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, info=personal(ACCOUNT)
    )
    # The short presentation pupils see.
    about: Mapped[str | None] = mapped_column(Text, info=personal(ACCOUNT))
    phone: Mapped[str | None] = mapped_column(String(30), info=personal(ACCOUNT))
    contact_preference: Mapped[ContactPreference] = mapped_column(
        str_enum(ContactPreference, name="contact_preference"),
        default=ContactPreference.EMAIL,
        info=personal(ACCOUNT),
    )
    state: Mapped[AmbassadorState] = mapped_column(
        str_enum(AmbassadorState, name="state"),
        default=AmbassadorState.APPLIED,
        index=True,
        info=personal(ACCOUNT),
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text, info=personal(ACCOUNT))
    # When the børneattest was ordered (the person then consents in Digital Post within 14 days).
    child_certificate_requested_at: Mapped[datetime | None] = mapped_column(info=personal(ACCOUNT))
    child_certificate_assessed_at: Mapped[datetime | None] = mapped_column(info=personal(ACCOUNT))
    # The admin who assessed it; kept apart from the date so erasing that admin keeps the date.
    child_certificate_assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(ACCOUNT)
    )
    # When the training was booked: only once the børneattest is cleared, and before it is done.
    training_booked_at: Mapped[datetime | None] = mapped_column(info=personal(ACCOUNT))
    training_completed_at: Mapped[datetime | None] = mapped_column(info=personal(ACCOUNT))

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    institution: Mapped[Organisation] = relationship(lazy="raise", foreign_keys=[institution_id])
    programme: Mapped[Programme] = relationship(lazy="raise")
    former_school: Mapped[Organisation | None] = relationship(
        lazy="raise", foreign_keys=[former_school_id]
    )
    interests: Mapped[list[Interest]] = relationship(
        secondary="ambassador_interest", lazy="raise", order_by="Interest.sort_order"
    )


class AmbassadorInterest(Base):
    __tablename__ = "ambassador_interest"

    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), primary_key=True, info=personal(ACCOUNT)
    )
    interest_id: Mapped[int] = mapped_column(
        ForeignKey("interest.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=personal(ACCOUNT),
    )
