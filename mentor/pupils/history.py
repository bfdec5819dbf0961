"""What the pupil page shows besides the pupil's own columns and the timeline: the school, who
recorded the consent, interests and programmes, matches and the newest meetings.

The names it shows, not the rows behind them; each query built once, with the pupil as a
parameter (a statement built anew on every request costs SQLAlchemy more than running it). The
page's view is audited with ``service.record_read``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session, joinedload

from mentor.meetings.views import started_match_ids
from mentor.models import (
    Ambassador,
    Attendance,
    Interest,
    Match,
    MatchState,
    Meeting,
    MeetingParticipant,
    MeetingState,
    Organisation,
    Programme,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    User,
)

# The pupil page lists the newest meetings (all of them are on the meeting pages).
MEETINGS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """A line of the pupil page's meetings: the columns it shows."""

    id: int
    starts_at: datetime
    location: str
    state: MeetingState
    attendance: Attendance


@dataclass(frozen=True, slots=True)
class Named:
    """A catalogue entry the page names in either language (an interest, a programme)."""

    name_da: str
    name_en: str
    code: str


@dataclass(frozen=True)
class PupilHistory:
    school_name: str
    # Who recorded the guardian's consent, when known.
    consent_recorded_by: str | None
    # The pupil's interests (their order in the catalogue), and programmes (the pupil's rank).
    interests: list[Named]
    programmes: list[Named]
    matches: list[Match]
    # The newest ``MEETINGS_SHOWN`` meetings, newest first.
    meetings: list[MeetingRow]
    # Older meetings were left out.
    more_meetings: bool
    # Accepted matches under way ("i gang"): the pupil came to a held meeting through them.
    started_match_ids: set[int]


_PUPIL = bindparam("pupil_id", type_=Integer)
_SCHOOL_AND_RECORDER = (
    select(Organisation.name, User.full_name)
    .select_from(Organisation)
    .outerjoin(User, User.id == bindparam("recorder_id", type_=Integer))
    .where(Organisation.id == bindparam("school_id", type_=Integer))
)
_INTERESTS = (
    select(Interest.label_da, Interest.label_en, Interest.code)
    .join(PupilInterest, PupilInterest.interest_id == Interest.id)
    .where(PupilInterest.pupil_id == _PUPIL)
    .order_by(Interest.sort_order, Interest.id)
)
_PROGRAMMES = (
    select(Programme.name_da, Programme.name_en, Programme.code)
    .join(PupilProgrammeInterest, PupilProgrammeInterest.programme_id == Programme.id)
    .where(PupilProgrammeInterest.pupil_id == _PUPIL)
    .order_by(PupilProgrammeInterest.rank)
)
# Whole matches: the page explains each proposal and offers to end an open one.
_MATCHES = (
    select(Match)
    .where(Match.pupil_id == _PUPIL)
    .options(
        # The ambassador's name is all the page shows of the ambassador.
        joinedload(Match.ambassador)
        .load_only(Ambassador.id, Ambassador.user_id)
        .joinedload(Ambassador.user)
        .load_only(User.id, User.full_name)
    )
    .order_by(Match.proposed_at.desc(), Match.id.desc())
)
_MEETINGS = (
    select(
        Meeting.id,
        Meeting.starts_at,
        Meeting.location,
        Meeting.state,
        MeetingParticipant.attendance,
    )
    .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
    .where(MeetingParticipant.pupil_id == _PUPIL)
    # The participant's copy of the time, in step with the meeting's: indexed per pupil.
    .order_by(MeetingParticipant.starts_at.desc(), Meeting.id.desc())
    .limit(MEETINGS_SHOWN + 1)
)


def pupil_history(db: Session, *, pupil: Pupil) -> PupilHistory:
    school_name, recorded_by = db.execute(
        _SCHOOL_AND_RECORDER,
        {"school_id": pupil.school_id, "recorder_id": pupil.consent_recorded_by_id},
    ).one()
    params = {"pupil_id": pupil.id}
    matches = db.scalars(_MATCHES, params).all()
    meetings = db.execute(_MEETINGS, params).all()
    return PupilHistory(
        school_name=school_name,
        consent_recorded_by=recorded_by,
        interests=[Named(*row) for row in db.execute(_INTERESTS, params)],
        programmes=[Named(*row) for row in db.execute(_PROGRAMMES, params)],
        matches=list(matches),
        meetings=[MeetingRow(*row) for row in meetings[:MEETINGS_SHOWN]],
        more_meetings=len(meetings) > MEETINGS_SHOWN,
        started_match_ids=started_match_ids(
            db, [match.id for match in matches if match.state is MatchState.ACCEPTED]
        ),
    )
