"""What the meeting pages show, read in a fixed number of queries whatever the data size.

Pages are built from these plain values, never from rows, so that each reader gets only what
the policy allows: an ambassador sees mentees by first name; the school's coordinator and the
pupils' counsellors see full names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mentor.meetings.labels import ATTENDANCE_LABELS, KIND_LABELS, MEETING_STATE_LABELS
from mentor.models import (
    Ambassador,
    Attendance,
    Match,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    MeetingState,
    Organisation,
    Pupil,
    User,
)


@dataclass(frozen=True)
class Attendee:
    pupil_id: int
    name: str
    attendance: Attendance

    @property
    def attendance_label(self) -> str:
        return str(ATTENDANCE_LABELS[self.attendance])


@dataclass(frozen=True)
class MeetingView:
    id: int
    state: MeetingState
    kind_label: str
    state_label: str
    starts_at: datetime
    ends_at: datetime
    location: str
    online_url: str | None
    school: str
    ambassador: str
    cancel_reason: str | None
    logged: bool
    attendees: list[Attendee] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def names(self) -> str:
        return ", ".join(attendee.name for attendee in self.attendees)


def meeting_views(
    db: Session, query: Select[tuple[Meeting]], *, full_names: bool
) -> list[MeetingView]:
    """The meetings ``query`` selects, with school, ambassador, log flag and attendees: three
    queries for any number of meetings."""
    rows = db.execute(
        select(Meeting, Organisation.name, User.full_name, MeetingLog.id)
        .join(Organisation, Organisation.id == Meeting.school_id)
        .join(Ambassador, Ambassador.id == Meeting.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .outerjoin(MeetingLog, MeetingLog.meeting_id == Meeting.id)
        .where(Meeting.id.in_(query.with_only_columns(Meeting.id).order_by(None)))
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    ids = [meeting.id for meeting, *_ in rows]
    attendees: dict[int, list[Attendee]] = {meeting_id: [] for meeting_id in ids}
    if ids:
        people = db.execute(
            select(
                MeetingParticipant.meeting_id,
                Pupil.id,
                Pupil.first_name,
                Pupil.last_name,
                MeetingParticipant.attendance,
            )
            .join(Pupil, Pupil.id == MeetingParticipant.pupil_id)
            .where(MeetingParticipant.meeting_id.in_(ids))
            .order_by(MeetingParticipant.meeting_id, Pupil.sort_name, Pupil.id)
        )
        for meeting_id, pupil_id, first, last, attendance in people:
            name = f"{first} {last}" if full_names else first
            attendees[meeting_id].append(Attendee(pupil_id, name, attendance))
    return [
        MeetingView(
            id=meeting.id,
            state=meeting.state,
            kind_label=str(KIND_LABELS[meeting.kind]),
            state_label=str(MEETING_STATE_LABELS[meeting.state]),
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.location,
            online_url=meeting.online_url,
            school=school,
            ambassador=ambassador if full_names else ambassador.split()[0],
            cancel_reason=meeting.cancel_reason,
            logged=log_id is not None,
            attendees=attendees[meeting.id],
        )
        for meeting, school, ambassador, log_id in rows
    ]


@dataclass(frozen=True)
class Mentee:
    """One of the ambassador's accepted mentees, as the meeting form offers them."""

    match_id: int
    first_name: str
    grade: int
    school_id: int
    school: str


def mentees(db: Session, ambassador: Ambassador) -> list[Mentee]:
    rows = db.execute(
        select(Match.id, Pupil.first_name, Pupil.grade, Organisation.id, Organisation.name)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .join(Organisation, Organisation.id == Pupil.school_id)
        .where(Match.ambassador_id == ambassador.id, Match.state == MatchState.ACCEPTED)
        .order_by(Organisation.name, Pupil.sort_name, Match.id)
    )
    return [Mentee(*row) for row in rows]


def own_meetings(ambassador: Ambassador, *, now: datetime) -> Select[tuple[Meeting]]:
    """An ambassador's meetings: upcoming, and those of the last 60 days."""
    return select(Meeting).where(
        Meeting.ambassador_id == ambassador.id, Meeting.ends_at >= now - timedelta(days=60)
    )


def school_meetings(school_ids: Select[tuple[int]], *, now: datetime) -> Select[tuple[Meeting]]:
    """The meetings at these schools from a week ago on."""
    return select(Meeting).where(
        Meeting.school_id.in_(school_ids), Meeting.ends_at >= now - timedelta(days=7)
    )


def split(
    views: Sequence[MeetingView], now: datetime
) -> tuple[list[MeetingView], list[MeetingView]]:
    """Upcoming (soonest first) and past (latest first)."""
    upcoming = [view for view in views if view.ends_at > now]
    past = sorted((view for view in views if view.ends_at <= now), key=lambda v: v.starts_at)
    return upcoming, past[::-1]


def started_match_ids(db: Session, match_ids: Sequence[int]) -> set[int]:
    """The matches among ``match_ids`` that are under way ("i gang"): the pupil came to at least
    one held meeting through the match."""
    if not match_ids:
        return set()
    query = (
        select(MeetingParticipant.match_id)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(
            MeetingParticipant.match_id.in_(match_ids),
            MeetingParticipant.attendance == Attendance.PRESENT,
            Meeting.state == MeetingState.HELD,
        )
        .distinct()
    )
    return {match_id for match_id in db.scalars(query) if match_id is not None}


def waiting_for_school_count(db: Session, user: User, *, now: datetime) -> int:
    """Upcoming meetings at the coordinator's school that wait for the school's answer."""
    if user.organisation_id is None:
        return 0
    query = select(func.count(Meeting.id)).where(
        Meeting.school_id == user.organisation_id,
        Meeting.state == MeetingState.PENDING,
        Meeting.starts_at > now,
    )
    return db.scalar(query) or 0
