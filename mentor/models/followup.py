"""What counsellors follow up with: check-ins with ambassadors, exit answers when a match
closes, the school year's key dates, the weekly digest's deliveries, ambassadors'
certificates of contribution, and the annual report's figures once the pupils are gone."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mentor.db import Base, Retention, utcnow
from mentor.models._types import JSONDocument, not_personal, personal, str_enum

MENTORING = Retention.MENTORING
ACCOUNT = Retention.ACCOUNT
REF = Retention.REFERENCE


class CheckInChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    MEETING = "meeting"
    MESSAGE = "message"
    OTHER = "other"


class AmbassadorCheckIn(Base):
    """A counsellor's contact with an ambassador about a match (MENTOR: regular staff contact)."""

    __tablename__ = "ambassador_check_in"
    __table_args__ = (Index("ix_ambassador_check_in_match_id_at", "match_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    # The match the contact was about; None for a general check-in. Goes with the match (the
    # note may name the pupil, whose matches go when they are erased or past retention).
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    channel: Mapped[CheckInChannel] = mapped_column(
        str_enum(CheckInChannel, name="channel"), info=not_personal(MENTORING)
    )
    note: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))


class ExitRespondent(StrEnum):
    PUPIL = "pupil"
    AMBASSADOR = "ambassador"


class ExitAnswer(Base):
    """The short exit question when a match closes, answered by the pupil or the ambassador."""

    __tablename__ = "exit_answer"
    __table_args__ = (
        UniqueConstraint("match_id", "respondent"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    respondent: Mapped[ExitRespondent] = mapped_column(
        str_enum(ExitRespondent, name="respondent"), info=not_personal(MENTORING)
    )
    rating: Mapped[int | None] = mapped_column(SmallInteger, info=personal(MENTORING))
    comment: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))


class SchoolYearDateKind(StrEnum):
    """The dates of the Danish school year the follow-up steers by (DOMAIN.md)."""

    # 8th grade: the education-readiness assessment (uddannelsesparathedsvurdering).
    READINESS_ASSESSMENT = "readiness_assessment"
    # optagelse.dk opens for applications (mid-January).
    APPLICATIONS_OPEN = "applications_open"
    # The application deadline (1 March, 23:59).
    APPLICATION_DEADLINE = "application_deadline"
    # Brobygning: bridging courses at youth-education institutions.
    BRIDGING = "bridging"


class SchoolYearDate(Base):
    """A key date or period of a school year, which the admin sets each year."""

    __tablename__ = "school_year_date"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_school_year_date_school_year_kind", "school_year", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    # The year the school year ends (2027 = 2026/27), as Pupil.last_school_year counts.
    school_year: Mapped[int] = mapped_column(SmallInteger, info=not_personal(REF))
    kind: Mapped[SchoolYearDateKind] = mapped_column(
        str_enum(SchoolYearDateKind, name="kind"), info=not_personal(REF)
    )
    name_da: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    name_en: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    starts_on: Mapped[date] = mapped_column(info=not_personal(REF))
    ends_on: Mapped[date] = mapped_column(info=not_personal(REF))


class DigestDelivery(Base):
    """One weekly digest sent to one user: the unique key makes `mentor digest send` safe to run
    twice, or from two machines at once."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(ACCOUNT))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), info=personal(ACCOUNT)
    )
    # The ISO week, "2027-W07".
    week: Mapped[str] = mapped_column(String(8), info=not_personal(ACCOUNT))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(ACCOUNT))


class AmbassadorCertificate(Base):
    """A certificate of an ambassador's contribution, as issued: the municipality's page confirms
    it by its code. Nothing about any pupil is on it."""

    __tablename__ = "ambassador_certificate"
    __table_args__ = (
        CheckConstraint("period_to >= period_from", name="period"),
        CheckConstraint("meetings >= 0 AND pupils >= 0 AND minutes >= 0", name="counts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(ACCOUNT))
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id", ondelete="CASCADE"), index=True, info=personal(ACCOUNT)
    )
    # Printed on the certificate; random, so that codes cannot be guessed.
    code: Mapped[str] = mapped_column(String(20), unique=True, info=not_personal(ACCOUNT))
    # The name as printed (the account may later be erased; the certificate says what it said).
    name: Mapped[str] = mapped_column(String(200), info=personal(ACCOUNT))
    period_from: Mapped[date] = mapped_column(info=not_personal(ACCOUNT))
    period_to: Mapped[date] = mapped_column(info=not_personal(ACCOUNT))
    meetings: Mapped[int] = mapped_column(info=not_personal(ACCOUNT))
    pupils: Mapped[int] = mapped_column(info=not_personal(ACCOUNT))
    minutes: Mapped[int] = mapped_column(info=not_personal(ACCOUNT))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(ACCOUNT))
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(ACCOUNT)
    )


class AnnualFiguresSnapshot(Base):
    """One school's annual-report figures for one ended school year, kept by the retention job
    before it deletes the pupils they were counted from (``mentor.followup.snapshots``).

    Counts only (meetings per week, pupils per grade, ratings, flags, endings, and the days to
    a first meeting, without whose they were): no one can be found in it.
    """

    __tablename__ = "annual_figures_snapshot"
    __table_args__ = (UniqueConstraint("school_year", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    # The year the school year ends (2027 = 2026/27), as ``Pupil.last_school_year``.
    school_year: Mapped[int] = mapped_column(SmallInteger, info=not_personal(REF))
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, info=not_personal(REF)
    )
    figures: Mapped[dict[str, Any]] = mapped_column(JSONDocument, info=not_personal(REF))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(REF))
