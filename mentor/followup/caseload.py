"""Caseloads: per school and class, how far the pupils have come.

One GROUP BY over the active pupils of the user's schools (a counsellor's caseload, a
coordinator's own school) counts, per school, grade and class: enrolled, consented, questionnaire
answered, matched (an accepted match that is still open), met at least once (present at a HELD
meeting) and waiting (eligible — active with consent given — and without an open match). The
page costs the same few queries however many pupils there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from mentor.data_generation import remembered
from mentor.models import (
    OPEN_MATCH_STATES,
    Attendance,
    ConsentState,
    Match,
    MatchState,
    Meeting,
    MeetingParticipant,
    MeetingState,
    Organisation,
    Pupil,
    PupilStatus,
    User,
)
from mentor.policy import enrolment_school_ids


@dataclass(frozen=True)
class Counts:
    enrolled: int = 0
    consented: int = 0
    questionnaire: int = 0
    matched: int = 0
    met: int = 0
    waiting: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            enrolled=self.enrolled + other.enrolled,
            consented=self.consented + other.consented,
            questionnaire=self.questionnaire + other.questionnaire,
            matched=self.matched + other.matched,
            met=self.met + other.met,
            waiting=self.waiting + other.waiting,
        )


@dataclass(frozen=True)
class ClassRow:
    grade: int
    class_name: str | None
    counts: Counts


@dataclass
class SchoolCaseload:
    school_id: int
    school: str
    classes: list[ClassRow] = field(default_factory=list)
    total: Counts = field(default_factory=Counts)


def _counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


def caseload(db: Session, user: User, *, reuse_at: datetime | None = None) -> list[SchoolCaseload]:
    """The caseload of ``user``, school by school (by name), class by class. With ``reuse_at``
    (a page's clock) counted once while the data is unchanged (``remembered``)."""
    if reuse_at is not None:
        return remembered(db, ("caseload", user.id), now=reuse_at, count=lambda: caseload(db, user))
    # A pupil has at most one open match (uq_match_pupil_id_open): joined, one lookup a pupil.
    open_match = aliased(Match)
    # Looked up a pupil through (pupil_id, attendance), not a list of every participant present
    # at a held meeting (tens of thousands) built on each request.
    met = exists(
        select(MeetingParticipant.id)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(
            MeetingParticipant.pupil_id == Pupil.id,
            MeetingParticipant.attendance == Attendance.PRESENT,
            Meeting.state == MeetingState.HELD,
        )
    )
    consented = Pupil.consent_state == ConsentState.GIVEN
    query = (
        select(
            Organisation.id,
            Organisation.name,
            Pupil.grade,
            Pupil.class_name,
            func.count(Pupil.id),
            _counted(consented),
            _counted(Pupil.questionnaire_completed_at.is_not(None)),
            _counted(open_match.state == MatchState.ACCEPTED),
            _counted(met),
            _counted(consented & open_match.id.is_(None)),
        )
        .select_from(Pupil)
        .join(Organisation, Organisation.id == Pupil.school_id)
        .outerjoin(
            open_match,
            and_(open_match.pupil_id == Pupil.id, open_match.state.in_(OPEN_MATCH_STATES)),
        )
        .where(
            Pupil.status == PupilStatus.ACTIVE,
            Pupil.school_id.in_(enrolment_school_ids(user)),
        )
        .group_by(Organisation.id, Organisation.name, Pupil.grade, Pupil.class_name)
        .order_by(Organisation.name, Organisation.id, Pupil.grade, Pupil.class_name)
    )
    schools: dict[int, SchoolCaseload] = {}
    for row in db.execute(query):
        school = schools.setdefault(row[0], SchoolCaseload(school_id=row[0], school=row[1]))
        counts = Counts(*(int(value or 0) for value in row[4:10]))
        school.classes.append(ClassRow(grade=row[2], class_name=row[3], counts=counts))
        school.total = school.total + counts
    return list(schools.values())


def grand_total(schools: list[SchoolCaseload]) -> Counts:
    total = Counts()
    for school in schools:
        total = total + school.total
    return total
