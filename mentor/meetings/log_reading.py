"""Who reads what of a meeting's log, and loading a meeting with its log for them.

Its author and the counsellors of the meeting's school read it all
(``policy.may_read_meeting_log``); the school's coordinator sees the attendance only; no other
ambassador, ever — anyone else gets a 404, the meeting is not even confirmed to exist. Every read
by someone other than the author is audited, one event a pupil.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from mentor.audit.service import record
from mentor.errors import NotFound
from mentor.models import Meeting, MeetingParticipant, MeetingTopic, User
from mentor.policy import (
    is_meeting_ambassador,
    is_school_coordinator,
    may_read_meeting_log,
    visible_meeting_ids,
)


class Access(StrEnum):
    """How much of a meeting's log a user sees."""

    AUTHOR = "author"  # the meeting's ambassador: writes and reads it
    READER = "reader"  # a counsellor of the school: reads it all
    ATTENDANCE = "attendance"  # the school's coordinator: who came, nothing else


def load_meeting(db: Session, *, user: User, meeting_id: int) -> Meeting:
    """The meeting with its participants, their pupils and its log, if the user may see it.

    Any meeting outside the user's view is a 404 (not even confirmed to exist)."""
    meeting = db.scalar(
        with_log().where(Meeting.id == meeting_id, Meeting.id.in_(visible_meeting_ids(user)))
    )
    if meeting is None:
        raise NotFound()
    return meeting


def with_log() -> Select[tuple[Meeting]]:
    return select(Meeting).options(
        selectinload(Meeting.participants).joinedload(MeetingParticipant.pupil),
        selectinload(Meeting.log),
    )


def log_access(db: Session, *, user: User, meeting: Meeting) -> Access:
    """What ``user`` sees of the meeting's log; NotFound when nothing (another ambassador)."""
    if is_meeting_ambassador(db, user, meeting):
        return Access.AUTHOR
    if may_read_meeting_log(db, user, meeting):
        return Access.READER
    if is_school_coordinator(user, meeting.school_id):
        return Access.ATTENDANCE
    raise NotFound()


def topics_named(db: Session, codes: Sequence[str]) -> Sequence[MeetingTopic]:
    """The topics of a saved log, in the list's order (including ones retired since).

    A code no list offers (a tampered form's, with a NUL that PostgreSQL cannot even compare)
    names no topic: it is not looked up.
    """
    codes = [code for code in codes if code.isprintable()]
    if not codes:
        return []
    return db.scalars(
        select(MeetingTopic)
        .where(MeetingTopic.code.in_(codes))
        .order_by(MeetingTopic.sort_order, MeetingTopic.id)
    ).all()


def record_read(db: Session, *, actor: User, meeting: Meeting) -> None:
    """A reader other than the author looked at the log (or its attendance): one event a pupil."""
    for participant in meeting.participants:
        record(
            db,
            actor_id=actor.id,
            action="read",
            object_type="meeting_log",
            object_id=meeting.log.id if meeting.log is not None else None,
            pupil_id=participant.pupil_id,
            details={"meeting_id": meeting.id},
        )
