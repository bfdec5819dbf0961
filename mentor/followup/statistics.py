"""The programme's figures for one school year, added up in the database.

Every function takes the schools to count (a select of ids from ``mentor.policy``) and a school
year, and runs one grouped query: the rows that come back are buckets (a school and grade, an
hour, a rating, a reason), never the meetings or matches themselves. The one exception is the
time to the first meeting: one row a pupil (their enrolment and a grouped MIN), because a median
needs the values; that is at most the municipality's pupils (10,000), not its meetings.

The Danish school year runs 1 August to 31 July; it is named by the year it ends in (2027 is
2026/27), as ``Pupil.last_school_year`` is. Days and weeks are Danish (Europe/Copenhagen).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from mentor.followup.charts import Spread
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Attendance,
    CloseReason,
    ConsentState,
    Feedback,
    FollowUpPriority,
    Match,
    MatchState,
    Meeting,
    MeetingLog,
    MeetingParticipant,
    MeetingState,
    Organisation,
    Pupil,
)

FIRST_SCHOOL_YEAR = 2000
SchoolIds = Select[tuple[int]]


@dataclass(frozen=True)
class SchoolYear:
    """1 August of ``year - 1`` to 31 July of ``year``, as UTC instants [starts_at, ends_at)."""

    year: int

    @property
    def first_day(self) -> date:
        return date(self.year - 1, 8, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 7, 31)

    @property
    def starts_at(self) -> datetime:
        return _local_midnight(self.first_day)

    @property
    def ends_at(self) -> datetime:
        return _local_midnight(self.last_day + timedelta(days=1))

    @property
    def label(self) -> str:
        return f"{self.year - 1}/{str(self.year)[-2:]}"


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


def school_year_of(now: datetime) -> SchoolYear:
    """The school year a moment falls in (from 1 August on, the next year's)."""
    today = now.astimezone(LOCAL_TIMEZONE).date()
    return SchoolYear(today.year + 1 if today.month >= 8 else today.year)


# Meetings per week


@dataclass(frozen=True)
class WeekCount:
    year: int
    week: int
    monday: date
    meetings: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def _utc_hour(db: Session, column: Any) -> Any:
    """The start of the UTC hour of ``column``. Danish time is UTC plus whole hours, so an hour
    bucket falls in one Danish day; that keeps the grouping in SQL on both databases."""
    if db.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", column))
    return func.strftime("%Y-%m-%d %H:00:00", column)


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def meetings_per_week(db: Session, school_ids: SchoolIds, year: SchoolYear) -> list[WeekCount]:
    """Meetings held at the schools, per ISO week (Monday to Sunday, Danish time), every week of
    the school year included, weeks without a meeting as 0."""
    hour = _utc_hour(db, Meeting.starts_at)
    rows = db.execute(
        select(hour, func.count())
        .where(
            Meeting.state == MeetingState.HELD,
            Meeting.school_id.in_(school_ids),
            Meeting.starts_at >= year.starts_at,
            Meeting.starts_at < year.ends_at,
        )
        .group_by(hour)
    ).all()
    per_monday: Counter[date] = Counter()
    for bucket, count in rows:
        day = _as_utc(bucket).astimezone(LOCAL_TIMEZONE).date()
        per_monday[day - timedelta(days=day.weekday())] += int(count)
    return every_week(year, per_monday)


def every_week(year: SchoolYear, per_monday: Counter[date]) -> list[WeekCount]:
    """Every week of the school year, with the meetings counted by its Monday (0 if none)."""
    weeks: list[WeekCount] = []
    monday = year.first_day - timedelta(days=year.first_day.weekday())
    while monday <= year.last_day:
        iso = monday.isocalendar()
        weeks.append(WeekCount(iso.year, iso.week, monday, per_monday.get(monday, 0)))
        monday += timedelta(days=7)
    return weeks


# Coverage per school and grade


@dataclass(frozen=True)
class Coverage:
    school_id: int
    school: str
    grade: int
    enrolled: int
    consented: int
    matched: int
    met: int

    def share(self, count: int) -> int:
        """``count`` as a whole percentage of the enrolled pupils."""
        return round(100 * count / self.enrolled) if self.enrolled else 0


def _held_in(year: SchoolYear) -> Any:
    return and_(
        Meeting.state == MeetingState.HELD,
        Meeting.starts_at >= year.starts_at,
        Meeting.starts_at < year.ends_at,
    )


def _enrolled_in(year: SchoolYear) -> Any:
    # Enrolled before the year ended, and still at school in it (a pupil's last school year
    # ends with the summer). Anonymised pupils still count: the row says nothing about anyone.
    return and_(Pupil.created_at < year.ends_at, Pupil.last_school_year >= year.year)


def coverage(db: Session, school_ids: SchoolIds, year: SchoolYear) -> list[Coverage]:
    """Per school and grade: the pupils enrolled in the year, with consent, matched in the year
    (a match accepted before the year ended and not closed before it began), and met at least
    once (present at a meeting held in the year)."""
    matched = select(Match.pupil_id).where(
        Match.state.in_((MatchState.ACCEPTED, MatchState.CLOSED)),
        Match.proposed_at < year.ends_at,
        (Match.closed_at.is_(None)) | (Match.closed_at >= year.starts_at),
    )
    met = (
        select(MeetingParticipant.pupil_id)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(_held_in(year), MeetingParticipant.attendance == Attendance.PRESENT)
    )

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = db.execute(
        select(
            Organisation.id,
            Organisation.name,
            Pupil.grade,
            func.count(Pupil.id),
            counted(Pupil.consent_state == ConsentState.GIVEN),
            counted(Pupil.id.in_(matched)),
            counted(Pupil.id.in_(met)),
        )
        .join(Organisation, Organisation.id == Pupil.school_id)
        .where(Pupil.school_id.in_(school_ids), _enrolled_in(year))
        .group_by(Organisation.id, Organisation.name, Pupil.grade)
        .order_by(Organisation.name, Organisation.id, Pupil.grade)
    ).all()
    return [
        Coverage(
            school_id=school_id,
            school=name,
            grade=int(grade),
            enrolled=int(enrolled),
            consented=int(consented),
            matched=int(matched_count),
            met=int(met_count),
        )
        for school_id, name, grade, enrolled, consented, matched_count, met_count in rows
    ]


# Days from enrolment to the first meeting


def days_to_first_meeting(db: Session, school_ids: SchoolIds, year: SchoolYear) -> list[int]:
    """For each pupil whose first meeting (held, the pupil present) fell in the year: the days
    from enrolment to it, in Danish dates, sorted."""
    first = func.min(MeetingParticipant.starts_at)
    rows = db.execute(
        select(Pupil.created_at, first)
        .join(MeetingParticipant, MeetingParticipant.pupil_id == Pupil.id)
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(
            Pupil.school_id.in_(school_ids),
            Meeting.state == MeetingState.HELD,
            MeetingParticipant.attendance == Attendance.PRESENT,
        )
        .group_by(Pupil.id, Pupil.created_at)
        .having(first >= year.starts_at, first < year.ends_at)
    ).all()
    days = []
    for enrolled_at, first_at in rows:
        enrolled = _as_utc(enrolled_at).astimezone(LOCAL_TIMEZONE).date()
        met = _as_utc(first_at).astimezone(LOCAL_TIMEZONE).date()
        days.append(max((met - enrolled).days, 0))
    return sorted(days)


def spread(values: list[int]) -> Spread | None:
    """Least, quartiles (inclusive method, as spreadsheets compute them), median and most."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        lower = upper = float(ordered[0])
    else:
        lower, _, upper = statistics.quantiles(ordered, n=4, method="inclusive")
    return Spread(
        minimum=float(ordered[0]),
        lower_quartile=float(lower),
        median=float(statistics.median(ordered)),
        upper_quartile=float(upper),
        maximum=float(ordered[-1]),
        count=len(ordered),
    )


# Feedback, flags, endings


def feedback_ratings(db: Session, school_ids: SchoolIds, year: SchoolYear) -> dict[int, int]:
    """How many pupils gave each rating 1–5 for meetings held in the year (every rating a key)."""
    rows = db.execute(
        select(Feedback.rating, func.count())
        .join(Meeting, Meeting.id == Feedback.meeting_id)
        .where(Meeting.school_id.in_(school_ids), _held_in(year))
        .group_by(Feedback.rating)
    ).all()
    counts = dict.fromkeys(range(1, 6), 0)
    counts.update({int(rating): int(count) for rating, count in rows})
    return counts


@dataclass(frozen=True)
class FlagCount:
    priority: FollowUpPriority
    raised: int
    resolved: int

    @property
    def open(self) -> int:
        return self.raised - self.resolved


def follow_up_flags(db: Session, school_ids: SchoolIds, year: SchoolYear) -> list[FlagCount]:
    """Follow-up flags raised in logs of the year's meetings, per priority, and how many of
    them are resolved (by now)."""
    rows = db.execute(
        select(
            MeetingLog.follow_up_priority,
            func.count(),
            func.coalesce(
                func.sum(case((MeetingLog.follow_up_resolved_at.is_not(None), 1), else_=0)), 0
            ),
        )
        .join(Meeting, Meeting.id == MeetingLog.meeting_id)
        .where(
            MeetingLog.needs_follow_up.is_(True),
            Meeting.school_id.in_(school_ids),
            Meeting.starts_at >= year.starts_at,
            Meeting.starts_at < year.ends_at,
        )
        .group_by(MeetingLog.follow_up_priority)
    ).all()
    found = {priority: (int(raised), int(resolved)) for priority, raised, resolved in rows}
    return [
        FlagCount(priority, *found.get(priority, (0, 0)))
        for priority in (FollowUpPriority.HIGH, FollowUpPriority.NORMAL, FollowUpPriority.LOW)
    ]


def matches_ended(db: Session, school_ids: SchoolIds, year: SchoolYear) -> dict[CloseReason, int]:
    """Matches closed in the year, per reason (every reason a key)."""
    rows = db.execute(
        select(Match.close_reason, func.count())
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(
            Match.state == MatchState.CLOSED,
            Pupil.school_id.in_(school_ids),
            Match.closed_at >= year.starts_at,
            Match.closed_at < year.ends_at,
        )
        .group_by(Match.close_reason)
    ).all()
    counts = dict.fromkeys(CloseReason, 0)
    counts.update({CloseReason(reason): int(count) for reason, count in rows if reason})
    return counts


@dataclass(frozen=True)
class AnnualFigures:
    year: SchoolYear
    weeks: list[WeekCount]
    coverage: list[Coverage]
    days_to_first_meeting: Spread | None
    ratings: dict[int, int]
    flags: list[FlagCount]
    endings: dict[CloseReason, int]

    @property
    def meetings_held(self) -> int:
        return sum(week.meetings for week in self.weeks)

    @property
    def pupils_met(self) -> int:
        return sum(row.met for row in self.coverage)


def annual_figures(db: Session, school_ids: SchoolIds, year: SchoolYear) -> AnnualFigures:
    """Everything the annual report shows: six grouped queries, however much data there is."""
    return AnnualFigures(
        year=year,
        weeks=meetings_per_week(db, school_ids, year),
        coverage=coverage(db, school_ids, year),
        days_to_first_meeting=spread(days_to_first_meeting(db, school_ids, year)),
        ratings=feedback_ratings(db, school_ids, year),
        flags=follow_up_flags(db, school_ids, year),
        endings=matches_ended(db, school_ids, year),
    )
