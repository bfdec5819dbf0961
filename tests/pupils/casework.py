"""A pupil in the middle of the programme, for the follow-up tests: a school with its
coordinator and counsellor, an accepted match, a held meeting with a flagged log and the
pupil's feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import (
    Ambassador,
    Attendance,
    FollowUpPriority,
    Match,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingState,
    Organisation,
    Pupil,
    Role,
    User,
)
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_feedback,
    make_match,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)


@dataclass
class Casework:
    school: Organisation
    counsellor: User
    coordinator: User
    ambassador_user: User
    ambassador: Ambassador
    pupil: Pupil
    match: Match
    meeting: Meeting
    log: MeetingLog


def casework(db: Session, *, flagged: bool = True) -> Casework:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR, full_name="Karen Vejleder")
    make_counsellor_school(db, counsellor=counsellor, school=school)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation_id=school.id)
    ambassador_user = make_user(db, role=Role.AMBASSADOR, full_name="Sara Holm")
    ambassador = make_ambassador(db, user=ambassador_user)
    pupil = make_pupil(
        db,
        school=school,
        first_name="Ida",
        email="ida@skole.dk",
        consent_recorded_by_id=coordinator.id,
        questionnaire_completed_at=utcnow() - timedelta(days=20),
    )
    match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
    starts = utcnow() - timedelta(days=3)
    meeting = make_meeting(
        db,
        ambassador=ambassador,
        school=school,
        state=MeetingState.HELD,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    make_meeting_participant(
        db, meeting=meeting, pupil=pupil, match=match, attendance=Attendance.PRESENT
    )
    log = make_meeting_log(
        db,
        meeting=meeting,
        logged_by=ambassador_user,
        summary="Vi talte om HTX og EUX.",
        needs_follow_up=flagged,
        follow_up_priority=FollowUpPriority.NORMAL if flagged else None,
        follow_up_reason="Eleven virker usikker på valget." if flagged else None,
    )
    make_feedback(db, meeting=meeting, pupil=pupil, rating=2)
    return Casework(
        school, counsellor, coordinator, ambassador_user, ambassador, pupil, match, meeting, log
    )
