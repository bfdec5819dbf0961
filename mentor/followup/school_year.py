"""The Danish school year's key dates, and who needs a nudge as the application deadline nears.

The admin sets the dates each year (``SchoolYearDate``; DOMAIN.md: the 8th-grade readiness
assessment, optagelse.dk opening in mid-January, the deadline on 1 March at 23:59, brobygning).
Defaults for 2026/27 come with the demo and can be added to an empty year from the admin page.
As the deadline nears, the counsellor's dashboard and weekly digest name the 9th and 10th graders
who are matched but have not met their ambassador, and those not matched at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
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
    SchoolYearDate,
    SchoolYearDateKind,
    User,
)
from mentor.policy import counsellor_school_ids

K = SchoolYearDateKind
# (kind, Danish, English, first day, last day) for 2026/27; the admin edits them each year.
DEFAULTS_2027: tuple[tuple[SchoolYearDateKind, str, str, date, date], ...] = (
    (
        K.READINESS_ASSESSMENT,
        "Uddannelsesparathedsvurdering (8. klasse)",
        "Education readiness assessment (grade 8)",
        date(2026, 12, 1),
        date(2027, 2, 26),
    ),
    (
        K.BRIDGING,
        "Brobygning (10. klasse)",
        "Bridging courses (grade 10)",
        date(2026, 11, 9),
        date(2026, 11, 13),
    ),
    (
        K.APPLICATIONS_OPEN,
        "Optagelse.dk åbner",
        "Optagelse.dk opens",
        date(2027, 1, 15),
        date(2027, 1, 15),
    ),
    (
        K.APPLICATION_DEADLINE,
        "Ansøgningsfrist på optagelse.dk (kl. 23.59)",
        "Application deadline on optagelse.dk (23:59)",
        date(2027, 3, 1),
        date(2027, 3, 1),
    ),
)
# How many days before the deadline the nudges begin.
NUDGE_DAYS = 60
# The grades that apply on optagelse.dk.
APPLYING_GRADES = (9, 10)
NAMES_SHOWN = 50


def school_year_of(day: date) -> int:
    """The year the school year ends: 1 August 2026 – 31 July 2027 is 2027."""
    return day.year + 1 if day.month >= 8 else day.year


def add_defaults(db: Session, *, school_year: int = 2027) -> int:
    """Add the default dates of 2026/27 whose kind the year lacks; returns how many."""
    if school_year != 2027:
        return 0
    present = set(
        db.scalars(select(SchoolYearDate.kind).where(SchoolYearDate.school_year == school_year))
    )
    added = [
        SchoolYearDate(
            school_year=school_year,
            kind=kind,
            name_da=name_da,
            name_en=name_en,
            starts_on=first,
            ends_on=last,
        )
        for kind, name_da, name_en, first, last in DEFAULTS_2027
        if kind not in present
    ]
    db.add_all(added)
    db.flush()
    return len(added)


def dates_of(db: Session, school_year: int) -> list[SchoolYearDate]:
    return list(
        db.scalars(
            select(SchoolYearDate)
            .where(SchoolYearDate.school_year == school_year)
            .order_by(SchoolYearDate.starts_on, SchoolYearDate.id)
        )
    )


class Nudge(StrEnum):
    NO_MEETING = "no_meeting"
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class NudgedPupil:
    pupil_id: int
    name: str
    grade: int
    school: str
    nudge: Nudge


@dataclass(frozen=True)
class DeadlineNudges:
    deadline: date
    days_left: int
    pupils: list[NudgedPupil]
    total: int


def deadline_nudges(db: Session, *, user: User, now: datetime) -> DeadlineNudges | None:
    """The caseload's 9th and 10th graders to reach before the deadline, when it is near."""
    today = now.astimezone(LOCAL_TIMEZONE).date()
    deadline = db.scalar(
        select(SchoolYearDate.starts_on).where(
            SchoolYearDate.kind == SchoolYearDateKind.APPLICATION_DEADLINE,
            SchoolYearDate.starts_on >= today,
            SchoolYearDate.starts_on <= today + timedelta(days=NUDGE_DAYS),
        )
    )
    if deadline is None:
        return None
    met = exists().where(
        MeetingParticipant.match_id == Match.id,
        MeetingParticipant.attendance == Attendance.PRESENT,
        MeetingParticipant.meeting_id == Meeting.id,
        Meeting.state == MeetingState.HELD,
    )
    accepted_without_meeting = exists().where(
        Match.pupil_id == Pupil.id, Match.state == MatchState.ACCEPTED, ~met
    )
    open_match = exists().where(
        Match.pupil_id == Pupil.id, Match.state.in_((MatchState.PROPOSED, MatchState.ACCEPTED))
    )
    base = (
        select(Pupil.id, Pupil.first_name, Pupil.last_name, Pupil.grade, Organisation.name)
        .join(Organisation, Organisation.id == Pupil.school_id)
        .where(
            Pupil.school_id.in_(counsellor_school_ids(user)),
            Pupil.status == PupilStatus.ACTIVE,
            Pupil.grade.in_(APPLYING_GRADES),
        )
    )
    found: list[NudgedPupil] = []
    total = 0
    for nudge, condition in (
        (Nudge.NO_MEETING, accepted_without_meeting),
        (Nudge.UNMATCHED, (Pupil.consent_state == ConsentState.GIVEN) & ~open_match),
    ):
        query = base.where(condition)
        total += db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(query.order_by(Pupil.sort_name, Pupil.id).limit(NAMES_SHOWN))
        found += [
            NudgedPupil(pupil_id, f"{first} {last}", grade, school, nudge)
            for pupil_id, first, last, grade, school in rows
        ]
    return DeadlineNudges(deadline, (deadline - today).days, found, total)
