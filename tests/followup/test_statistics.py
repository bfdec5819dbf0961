"""The annual figures against hand-built data: scope, the school year's edges, Danish weeks
across New Year, coverage per school and grade, time to the first meeting, feedback, flags and
endings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mentor.followup import statistics
from mentor.followup.statistics import SchoolYear
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Attendance,
    CloseReason,
    ConsentState,
    FollowUpPriority,
    MatchState,
    MeetingState,
    Organisation,
    Role,
)
from mentor.policy import counsellor_school_ids, report_school_ids
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

YEAR = SchoolYear(2027)


def local(year: int, month: int, day: int, hour: int = 14, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


def _held(db: Session, school: Organisation, at: datetime, **overrides: object) -> object:
    return make_meeting(db, school=school, state=MeetingState.HELD, starts_at=at, **overrides)


@pytest.fixture
def school(db: Session) -> Organisation:
    return make_school(db, name="Aabenraa Skole")


@pytest.fixture
def other(db: Session) -> Organisation:
    return make_school(db, name="Anden Skole")


def _ids(school: Organisation) -> Select[tuple[int]]:
    return select(Organisation.id).where(Organisation.id == school.id)


def test_the_school_year_runs_from_august_to_july_in_danish_time() -> None:
    assert YEAR.label == "2026/27"
    assert YEAR.starts_at == datetime(2026, 7, 31, 22, tzinfo=UTC)
    assert YEAR.ends_at == datetime(2027, 7, 31, 22, tzinfo=UTC)
    assert statistics.school_year_of(local(2026, 7, 31, 23)).year == 2026
    assert statistics.school_year_of(local(2026, 8, 1, 0, 30)).year == 2027
    assert statistics.school_year_of(local(2027, 1, 15)).year == 2027


def test_meetings_per_week_bucket_danish_days_into_iso_weeks_across_new_year(
    db: Session, school: Organisation, other: Organisation
) -> None:
    # 2026 has 53 ISO weeks: Monday 28 December 2026 starts week 53, 4 January 2027 week 1.
    _held(db, school, local(2026, 12, 27, 23, 30))  # Sunday, week 52
    _held(db, school, local(2026, 12, 28, 0, 30))  # Monday 00:30 = Sunday 23:30 UTC: week 53
    _held(db, school, local(2027, 1, 3, 23, 30))  # Sunday 23:30 = 22:30 UTC: still week 53
    _held(db, school, local(2027, 1, 4, 10))  # week 1 of 2027
    _held(db, school, local(2027, 1, 5, 10))
    # The school year's edges: 1 August 2026 00:30 is in it (31 July 22:30 UTC), and
    # 31 July 2027 23:30; 1 August 2027 00:30 is the next year's.
    _held(db, school, local(2026, 8, 1, 0, 30))
    _held(db, school, local(2027, 7, 31, 23, 30))
    _held(db, school, local(2027, 8, 1, 0, 30))
    _held(db, school, local(2026, 7, 31, 23, 30))
    # Not held, or at a school outside the scope: not counted.
    make_meeting(db, school=school, state=MeetingState.SCHEDULED, starts_at=local(2027, 1, 6))
    _held(db, other, local(2027, 1, 6))

    weeks = statistics.meetings_per_week(db, _ids(school), YEAR)
    by_label = {week.label: week.meetings for week in weeks}
    assert by_label["2026-W52"] == 1
    assert by_label["2026-W53"] == 2
    assert by_label["2027-W01"] == 2
    assert by_label["2026-W31"] == 1  # Monday 27 July 2026 to Sunday 2 August: 1 August
    assert by_label["2027-W30"] == 1  # Monday 26 July 2027: 31 July (1 August is not in it)
    assert sum(by_label.values()) == 7
    # Every week of the year is there, in order, the empty ones as 0.
    assert weeks[0].monday.isoformat() == "2026-07-27"
    assert weeks[-1].monday.isoformat() == "2027-07-26"
    assert len(weeks) == 53
    assert by_label["2026-W40"] == 0


def test_coverage_per_school_and_grade(
    db: Session, school: Organisation, other: Organisation
) -> None:
    enrolled = local(2026, 9, 1, 9)
    ambassador = make_ambassador(db)
    met = make_pupil(db, school=school, grade=8, created_at=enrolled)
    make_pupil(
        db,
        school=school,
        grade=8,
        created_at=enrolled,
        consent_state=ConsentState.MISSING,
        consent_given_by=None,
        consent_method=None,
        consent_at=None,
    )
    absent = make_pupil(db, school=school, grade=9, created_at=enrolled)
    # Left school before this year, or enrolled after it ended: not counted.
    make_pupil(db, school=school, grade=9, created_at=enrolled, last_school_year=2026)
    make_pupil(db, school=school, grade=9, created_at=local(2027, 8, 2))
    make_pupil(db, school=other, grade=8, created_at=enrolled)
    # A proposal only, and a match closed before the year began: not matched.
    proposed = make_pupil(db, school=school, grade=9, created_at=enrolled)
    make_match(db, pupil=proposed, ambassador=ambassador, state=MatchState.PROPOSED)
    for pupil in (met, absent):
        make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
    closed_early = make_pupil(db, school=school, grade=9, created_at=enrolled)
    make_match(
        db,
        pupil=closed_early,
        ambassador=ambassador,
        state=MatchState.CLOSED,
        proposed_at=local(2026, 3, 1),
        closed_at=local(2026, 6, 1),
    )
    meeting = _held(db, school, local(2026, 10, 6), ambassador=ambassador)
    make_meeting_participant(db, meeting=meeting, pupil=met, attendance=Attendance.PRESENT)
    make_meeting_participant(db, meeting=meeting, pupil=absent, attendance=Attendance.ABSENT)

    rows = statistics.coverage(db, _ids(school), YEAR)
    assert [(r.school, r.grade, r.enrolled, r.consented, r.matched, r.met) for r in rows] == [
        ("Aabenraa Skole", 8, 2, 1, 1, 1),
        ("Aabenraa Skole", 9, 3, 3, 1, 0),
    ]
    assert rows[0].share(rows[0].matched) == 50
    assert rows[1].share(rows[1].matched) == 33


def test_days_to_the_first_meeting_count_the_first_held_meeting_the_pupil_came_to(
    db: Session, school: Organisation
) -> None:
    enrolled = local(2026, 9, 1, 23, 30)  # 1 September in Denmark (22:30 UTC... same day)
    quick = make_pupil(db, school=school, created_at=enrolled)
    slow = make_pupil(db, school=school, created_at=enrolled)
    last_year = make_pupil(db, school=school, created_at=local(2026, 1, 5))
    never = make_pupil(db, school=school, created_at=enrolled)
    # Absent at the first meeting: the first one the pupil came to counts.
    first = _held(db, school, local(2026, 9, 8, 9))
    make_meeting_participant(db, meeting=first, pupil=quick, attendance=Attendance.ABSENT)
    for day, pupil in ((11, quick), (25, quick)):
        held = _held(db, school, local(2026, 9, day, 10))
        make_meeting_participant(db, meeting=held, pupil=pupil, attendance=Attendance.PRESENT)
    late = _held(db, school, local(2026, 10, 1, 8))
    make_meeting_participant(db, meeting=late, pupil=slow, attendance=Attendance.PRESENT)
    # First met in the school year before: not in this year's figures.
    before = _held(db, school, local(2026, 6, 1))
    make_meeting_participant(db, meeting=before, pupil=last_year, attendance=Attendance.PRESENT)
    again = _held(db, school, local(2026, 10, 2))
    make_meeting_participant(db, meeting=again, pupil=last_year, attendance=Attendance.PRESENT)
    # A scheduled meeting is not held.
    planned = make_meeting(db, school=school, starts_at=local(2026, 9, 15))
    make_meeting_participant(db, meeting=planned, pupil=never, attendance=Attendance.PRESENT)

    days = statistics.days_to_first_meeting(db, _ids(school), YEAR)
    assert days == [10, 30]


def test_the_spread_of_days_gives_median_and_quartiles() -> None:
    assert statistics.spread([]) is None
    one = statistics.spread([7])
    assert one is not None
    assert (one.minimum, one.lower_quartile, one.median, one.upper_quartile, one.maximum) == (
        7,
        7,
        7,
        7,
        7,
    )
    spread = statistics.spread([30, 1, 5, 10, 12])
    assert spread is not None
    assert spread.count == 5
    assert (spread.minimum, spread.median, spread.maximum) == (1, 10, 30)
    assert (spread.lower_quartile, spread.upper_quartile) == (5, 12)


def test_feedback_flags_and_endings(db: Session, school: Organisation, other: Organisation) -> None:
    ambassador = make_ambassador(db)
    meeting = _held(db, school, local(2026, 11, 3), ambassador=ambassador)
    for rating in (5, 5, 4, 1):
        pupil = make_pupil(db, school=school)
        make_feedback(db, meeting=meeting, pupil=pupil, rating=rating)
    elsewhere = _held(db, other, local(2026, 11, 4))
    make_feedback(db, meeting=elsewhere, pupil=make_pupil(db, school=other), rating=2)
    old = _held(db, school, local(2026, 5, 4))
    make_feedback(db, meeting=old, pupil=make_pupil(db, school=school), rating=3)
    assert statistics.feedback_ratings(db, _ids(school), YEAR) == {
        1: 1,
        2: 0,
        3: 0,
        4: 1,
        5: 2,
    }

    def flag(at: datetime, priority: FollowUpPriority, resolved: bool) -> None:
        make_meeting_log(
            db,
            meeting=_held(db, school, at),
            needs_follow_up=True,
            follow_up_priority=priority,
            follow_up_reason="Eleven virker usikker.",
            follow_up_resolved_at=local(2026, 12, 1) if resolved else None,
        )

    flag(local(2026, 11, 10), FollowUpPriority.HIGH, resolved=True)
    flag(local(2026, 11, 11), FollowUpPriority.HIGH, resolved=False)
    flag(local(2026, 11, 12), FollowUpPriority.LOW, resolved=True)
    flag(local(2026, 5, 12), FollowUpPriority.LOW, resolved=False)  # the year before
    make_meeting_log(db, meeting=_held(db, school, local(2026, 11, 13)))  # no flag
    flags = statistics.follow_up_flags(db, _ids(school), YEAR)
    assert [(f.priority, f.raised, f.resolved, f.open) for f in flags] == [
        (FollowUpPriority.HIGH, 2, 1, 1),
        (FollowUpPriority.NORMAL, 0, 0, 0),
        (FollowUpPriority.LOW, 1, 1, 0),
    ]

    def ended(reason: CloseReason, at: datetime, where: Organisation = school) -> None:
        make_match(
            db,
            pupil=make_pupil(db, school=where),
            ambassador=ambassador,
            state=MatchState.CLOSED,
            close_reason=reason,
            closed_at=at,
        )

    ended(CloseReason.APPLIED, local(2027, 3, 2))
    ended(CloseReason.APPLIED, local(2027, 7, 31, 23))
    ended(CloseReason.MOVED, local(2026, 9, 1))
    ended(CloseReason.MOVED, local(2026, 7, 31, 12))  # the year before
    ended(CloseReason.OTHER, local(2027, 1, 1), where=other)
    make_match(db, pupil=make_pupil(db, school=school), ambassador=ambassador)  # still open
    endings = statistics.matches_ended(db, _ids(school), YEAR)
    assert endings == {
        CloseReason.APPLIED: 2,
        CloseReason.MOVED: 1,
        CloseReason.NO_LONGER_WANTED: 0,
        CloseReason.AMBASSADOR_LEFT: 0,
        CloseReason.OTHER: 0,
    }


def test_the_report_counts_a_counsellors_caseload_and_the_whole_municipality_for_an_admin(
    db: Session, school: Organisation, other: Organisation
) -> None:
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    _held(db, school, local(2026, 11, 3))
    _held(db, other, local(2026, 11, 4))
    mine = statistics.annual_figures(db, report_school_ids(counsellor), YEAR)
    assert mine.meetings_held == 1
    assert (
        db.scalars(report_school_ids(counsellor)).all()
        == db.scalars(counsellor_school_ids(counsellor)).all()
    )
    admin = make_user(db, role=Role.ADMIN)
    everyone = statistics.annual_figures(db, report_school_ids(admin), YEAR)
    assert everyone.meetings_held >= 2
    for role in (Role.COORDINATOR, Role.AMBASSADOR):
        nobody = statistics.annual_figures(db, report_school_ids(make_user(db, role=role)), YEAR)
        assert nobody.meetings_held == 0
