"""Meetings between an ambassador and pupils, who came, what was logged, and the pupils' feedback.

A mentoring session is a *meeting* in the code so that it is never confused with a database
session or a login session.

No double booking: an ambassador or a pupil is never in two overlapping meetings that still
stand (``BOOKED_STATES``). The booking service checks under row locks; on PostgreSQL two
exclusion constraints (created by the migration, see ``2026-12-05-0915_meetings``) hold it too:
one on the meeting's ambassador and time, one on each participant's pupil and time. The
participant row repeats its meeting's time and whether it still stands for that reason only —
an exclusion constraint can look at one table — and the service keeps the copies in step.
"""

from __future__ import annotations

from datetime import date, datetime
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
from mentor.models.organisation import Organisation
from mentor.models.pupil import Pupil

MENTORING = Retention.MENTORING
REF = Retention.REFERENCE


class MeetingKind(StrEnum):
    ONE_TO_ONE = "one_to_one"
    SMALL_GROUP = "small_group"
    # "Kom og se min skole": the pupils visit the ambassador's institution.
    INSTITUTION_VISIT = "institution_visit"


class MeetingPlace(StrEnum):
    SCHOOL = "school"
    INSTITUTION = "institution"
    ONLINE = "online"


class MeetingState(StrEnum):
    # At a school that asks to confirm meetings: waiting for the coordinator.
    PENDING = "pending"
    SCHEDULED = "scheduled"
    HELD = "held"
    # The coordinator said no (with a reason); the time is free again.
    DECLINED = "declined"
    CANCELLED = "cancelled"


# The meetings that hold their time: the double-booking rule and its constraints share them.
BOOKED_STATES = (MeetingState.PENDING, MeetingState.SCHEDULED, MeetingState.HELD)
_BOOKED_WHERE = "state IN ('pending', 'scheduled', 'held')"


class Attendance(StrEnum):
    UNKNOWN = "unknown"
    PRESENT = "present"
    ABSENT = "absent"
    # Called off too late to use the time (the ambassador came, or could not plan otherwise).
    CANCELLED_LATE = "cancelled_late"


class FollowUpPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    # E-mails the pupil's counsellor at once.
    HIGH = "high"


class Helpfulness(StrEnum):
    """The pupil's answer to "Did it help you think about your choice?"."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class CalendarEntryKind(StrEnum):
    HOLIDAY = "holiday"
    EXAMS = "exams"
    # Any other day with no meetings (a theme week, a school trip).
    BLACKOUT = "blackout"


class CalendarEntry(Base):
    """A period of the school-year calendar with no meetings; for one school or all of them."""

    __tablename__ = "calendar_entry"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_calendar_entry_ends_on_starts_on", "ends_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    kind: Mapped[CalendarEntryKind] = mapped_column(
        str_enum(CalendarEntryKind, name="kind"), info=not_personal(REF)
    )
    name_da: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    name_en: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    # Both days included, in Danish time.
    starts_on: Mapped[date] = mapped_column(info=not_personal(REF))
    ends_on: Mapped[date] = mapped_column(info=not_personal(REF))
    # None: every school of the municipality.
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True, info=not_personal(REF)
    )

    school: Mapped[Organisation | None] = relationship(lazy="raise")


class MeetingTopic(Base):
    """A topic an ambassador can tick in a meeting log; the admin keeps the list."""

    __tablename__ = "meeting_topic"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(REF))
    code: Mapped[str] = mapped_column(String(40), unique=True, info=not_personal(REF))
    label_da: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    label_en: Mapped[str] = mapped_column(String(100), info=not_personal(REF))
    active: Mapped[bool] = mapped_column(default=True, info=not_personal(REF))
    sort_order: Mapped[int] = mapped_column(default=0, info=not_personal(REF))


class Meeting(TimestampMixin, Base):
    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence"),
        CheckConstraint("place <> 'online' OR online_url IS NOT NULL", name="online_has_link"),
        CheckConstraint(
            "state NOT IN ('declined', 'cancelled') OR cancelled_at IS NOT NULL",
            name="ended_has_time",
        ),
        CheckConstraint("log_nudges_sent BETWEEN 0 AND 2", name="log_nudges_sent"),
        # Double-booking checks look at one ambassador's meetings around a time.
        Index("ix_meeting_ambassador_id_starts_at", "ambassador_id", "starts_at"),
        # Reminders and the "meetings not logged" queue.
        Index("ix_meeting_state_starts_at", "state", "starts_at"),
        # A school's upcoming meetings, for its coordinator.
        Index("ix_meeting_school_id_starts_at", "school_id", "starts_at"),
        # The schools' meeting lists ("ended a week ago or later"): a range, not every meeting.
        Index("ix_meeting_school_id_ends_at", "school_id", "ends_at"),
        # "Meetings not logged N days after": ended meetings of a state, the school from the index.
        Index("ix_meeting_state_ends_at_school_id", "state", "ends_at", "school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    ambassador_id: Mapped[int] = mapped_column(
        ForeignKey("ambassador.id"), info=personal(MENTORING)
    )
    # The participants' school (a meeting's pupils all go to one school): its coordinator
    # confirms, its hours and calendar apply.
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), info=not_personal(MENTORING)
    )
    kind: Mapped[MeetingKind] = mapped_column(
        str_enum(MeetingKind, name="kind"), info=not_personal(MENTORING)
    )
    place: Mapped[MeetingPlace] = mapped_column(
        str_enum(MeetingPlace, name="place"), info=not_personal(MENTORING)
    )
    starts_at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    ends_at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    # Where exactly (the school's or institution's name and address, a room): free text, and may
    # name a home or a person, so personal.
    location: Mapped[str] = mapped_column(String(200), info=personal(MENTORING))
    online_url: Mapped[str | None] = mapped_column(String(500), info=personal(MENTORING))
    state: Mapped[MeetingState] = mapped_column(
        str_enum(MeetingState, name="state"),
        default=MeetingState.SCHEDULED,
        info=not_personal(MENTORING),
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    # A cancellation's or a coordinator's decline: when, by whom, why.
    cancelled_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    cancel_reason: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    # RFC 5545: the UID stays the same for the life of the event and SEQUENCE grows with every
    # change, so calendars update the invitation instead of adding a second one.
    uid: Mapped[str] = mapped_column(String(100), unique=True, info=not_personal(MENTORING))
    sequence: Mapped[int] = mapped_column(default=0, info=not_personal(MENTORING))
    # Set when the day-before reminder is sent, so that a second run of `mentor reminders send`
    # skips it.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    # Nudges to log a meeting that ended without a log: after 24 hours, then after 3 days; then
    # the counsellor is told (once).
    log_nudges_sent: Mapped[int] = mapped_column(
        SmallInteger, default=0, info=not_personal(MENTORING)
    )
    log_overdue_reported_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )

    ambassador: Mapped[Ambassador] = relationship(lazy="raise")
    school: Mapped[Organisation] = relationship(lazy="raise")
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MeetingParticipant.id",
    )
    log: Mapped[MeetingLog | None] = relationship(
        back_populates="meeting", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


class MeetingParticipant(Base):
    __tablename__ = "meeting_participant"
    __table_args__ = (
        UniqueConstraint("meeting_id", "pupil_id"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # A pupil's meetings around a time (the double-booking check).
        Index("ix_meeting_participant_pupil_id_starts_at", "pupil_id", "starts_at"),
        # "Has the pupil met an ambassador?" (the caseload): present participations a pupil.
        Index(
            "ix_meeting_participant_pupil_id_attendance_meeting_id",
            "pupil_id",
            "attendance",
            "meeting_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    # The match the pupil came through; None once that match is gone.
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("match.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    # Copies of the meeting's time and whether it stands (see the module's docstring).
    starts_at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    ends_at: Mapped[datetime] = mapped_column(info=not_personal(MENTORING))
    booked: Mapped[bool] = mapped_column(default=True, info=not_personal(MENTORING))
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
    __table_args__ = (
        CheckConstraint(
            "NOT needs_follow_up OR (follow_up_priority IS NOT NULL"
            " AND follow_up_reason IS NOT NULL)",
            name="follow_up_has_priority_and_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), unique=True, info=personal(MENTORING)
    )
    # Topic codes from the admin's list (``MeetingTopic.code``), e.g. ["programmes", "doubts"].
    topics: Mapped[list[str]] = mapped_column(JSONDocument, default=list, info=personal(MENTORING))
    summary: Mapped[str] = mapped_column(Text, info=personal(MENTORING))
    needs_follow_up: Mapped[bool] = mapped_column(
        default=False, index=True, info=personal(MENTORING)
    )
    follow_up_priority: Mapped[FollowUpPriority | None] = mapped_column(
        str_enum(FollowUpPriority, name="follow_up_priority"), info=personal(MENTORING)
    )
    follow_up_reason: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    follow_up_resolved_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))
    # A counsellor resolves a follow-up flag with a note (read by counsellors only).
    follow_up_resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    follow_up_resolution: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    logged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(MENTORING)
    )
    logged_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))
    # The author may edit the log for 7 days after ``logged_at``; every change is audited.
    updated_at: Mapped[datetime | None] = mapped_column(info=not_personal(MENTORING))

    meeting: Mapped[Meeting] = relationship(back_populates="log", lazy="raise")


class Feedback(Base):
    """A pupil's rating of a meeting, given through a single-purpose link."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("meeting_id", "pupil_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        # The "low feedback" queue: ratings 1 and 2 of recent days, the meeting from the index.
        Index("ix_feedback_rating_submitted_at_meeting_id", "rating", "submitted_at", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(MENTORING))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), info=personal(MENTORING)
    )
    pupil_id: Mapped[int] = mapped_column(
        ForeignKey("pupil.id", ondelete="CASCADE"), index=True, info=personal(MENTORING)
    )
    rating: Mapped[int] = mapped_column(SmallInteger, index=True, info=personal(MENTORING))
    helped: Mapped[Helpfulness] = mapped_column(
        str_enum(Helpfulness, name="helped"), info=personal(MENTORING)
    )
    comment: Mapped[str | None] = mapped_column(Text, info=personal(MENTORING))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(MENTORING))
