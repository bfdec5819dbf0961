"""Meetings between an ambassador and pupils, who came, what was logged, and the pupils' feedback.

A mentoring session is a *meeting* in the code so that it is never confused with a database
session or a login session.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, TimestampMixin, utcnow
from mentor.models._types import JSONDocument, not_personal, personal, str_enum
from mentor.models.ambassador import Ambassador
from mentor.models.match import Match
from mentor.models.pupil import Pupil

MENTORING = Retention.MENTORING


class MeetingKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    SMALL_GROUP = "small_group"
    INSTITUTION_VISIT = "institution_visit"


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    UNKNOWN = "unknown"
    ATTENDED = "attended"
    ABSENT = "absent"


class Meeting(TimestampMixin, Base):
    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence"),
        # Double-booking checks look at one ambassador's meetings around a time.
        Index("ix_meeting_ambassador_id_starts_at", "ambassador_id", "starts_at"),
        # Reminders and the "meetings not logged" queue.
        Index("ix_meeting_state_starts_at", "state", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id"), info=personal(MENTORING)
    )
    kind: Mapped[MeetingKind] = mapped_column(
        str_enum(MeetingKind, name="kind"), info=not_personal(MENTORING)
    )
    starts_at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    ends_at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    # Free text, and may name a home or a person: personal.
    location: Mapped[str] = mapped_column(String(200), info=personal(MENTORING))
    state: Mapped[MeetingState] = mapped_column(
        str_enum(MeetingState, name="state"),
        default=MeetingState.SCHEDULED,
        info=not_personal(MENTORING),
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    # RFC 5545: the UID stays the same for the life of the event and SEQUENCE grows with every
    # change, so calendars update the invitation instead of adding a second one.
    uid: Mapped[str] = mapped_column(String(100), unique=True, info=not_personal(MENTORING))
    sequence: Mapped[int] = mapped_column(default=0, info=not_personal(MENTORING))
    # Set when the reminder is sent, so that a second run of `mentor reminders send` skips it.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )

    ambassador: Mapped[Ambassador] = relationship(lazy="raise")
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    log: Mapped[MeetingLog | None] = relationship(
        back_populates="meeting", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class MeetingParticipant(Base):
    __tablename__ = "meeting_participant"
    __table_args__ = (UniqueConstraint("meeting_id", "pupil_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    # The match the pupil came through; None for a pupil joining a group or visit without one.
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("match.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    attendance: Mapped[Attendance] = mapped_column(
        str_enum(Attendance, name="attendance"),
        default=Attendance.UNKNOWN,
        info=personal(MENTORING),
    )

    meeting: Mapped[Meeting] = relationship(back_populates="participants", lazy="raise")
    pupil: Mapped[Pupil] = relationship(lazy="raise")
    match: Mapped[Match | None] = relationship(lazy="raise")


class MeetingLog(Base):
    """What the ambassador logged after a meeting."""

    __tablename__ = "meeting_log"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), unique=True, info=personal(MENTORING)
    )
    # Topic codes, e.g. ["programme_choice", "application"].
    topics: Mapped[list[str]] = mapped_column(JSONDocument, default=list, info=personal(MENTORING))
    summary: Mapped[str] = mapped_column(Text, info=personal(MENTORING))
    needs_follow_up: Mapped[bool] = mapped_column(
        default=False, index=True, info=personal(MENTORING)
    )
    follow_up_resolved_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    logged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    logged_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))

    meeting: Mapped[Meeting] = relationship(back_populates="log", lazy="raise")


class Feedback(Base):
    """A pupil's rating of a meeting, given through a single-purpose link."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("meeting_id", "pupil_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    rating: Mapped[int] = mapped_column(SmallInteger, index=True, info=personal(MENTORING))
    comment: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))
