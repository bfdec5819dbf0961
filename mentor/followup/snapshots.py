"""The annual report's figures, kept when the pupils they were counted from are deleted.

The retention job deletes pupils, their matches and meetings once their period is over; the
report for a year those pupils were in would then count fewer. So before it deletes anything,
the job keeps each school's figures for every ended school year whose pupils are due
(``keep_figures``), and from then on the report for that year is read from what was kept
(``figures_for_report``). What is kept are counts per school (meetings per week, pupils per
grade, ratings, flags, endings) and the days from enrolment to a first meeting, without whose
they were: no one can be found in it (``AnnualFiguresSnapshot``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, literal, select
from sqlalchemy.orm import Session

from mentor.followup import statistics
from mentor.followup.statistics import (
    AnnualFigures,
    Coverage,
    FlagCount,
    SchoolIds,
    SchoolYear,
)
from mentor.models import (
    AnnualFiguresSnapshot,
    CloseReason,
    FollowUpPriority,
    Meeting,
    Organisation,
    Pupil,
)


def is_kept(db: Session, year: SchoolYear) -> bool:
    """Whether the year's figures were kept (and its pupils may since have been deleted)."""
    return bool(db.scalar(select(exists().where(AnnualFiguresSnapshot.school_year == year.year))))


def figures_for_report(db: Session, school_ids: SchoolIds, year: SchoolYear) -> AnnualFigures:
    """The year's figures for the schools: from what was kept once the year's pupils were due
    for deletion, else counted from the data (``statistics.annual_figures``)."""
    if not is_kept(db, year):
        return statistics.annual_figures(db, school_ids, year)
    documents = db.scalars(
        select(AnnualFiguresSnapshot.figures).where(
            AnnualFiguresSnapshot.school_year == year.year,
            AnnualFiguresSnapshot.school_id.in_(school_ids),
        )
    ).all()
    return _combined(year, list(documents))


def keep_figures(db: Session, years: list[SchoolYear], *, now: datetime) -> int:
    """Keep each school's figures for each of ``years`` not kept before; the number of
    (school, year) figures written. Schools with nothing to count that year write nothing."""
    written = 0
    schools = db.scalars(
        select(Organisation.id)
        .where(
            exists().where(Pupil.school_id == Organisation.id)
            | exists().where(Meeting.school_id == Organisation.id)
        )
        .order_by(Organisation.id)
    ).all()
    for year in years:
        if is_kept(db, year):
            continue
        for school_id in schools:
            document = _document(db, school_id, year)
            if document is None:
                continue
            db.add(
                AnnualFiguresSnapshot(
                    school_year=year.year, school_id=school_id, figures=document, taken_at=now
                )
            )
            written += 1
    db.flush()
    return written


def _document(db: Session, school_id: int, year: SchoolYear) -> dict[str, Any] | None:
    school = select(literal(school_id))
    weeks = statistics.meetings_per_week(db, school, year)
    coverage = statistics.coverage(db, school, year)
    days = statistics.days_to_first_meeting(db, school, year)
    ratings = statistics.feedback_ratings(db, school, year)
    flags = statistics.follow_up_flags(db, school, year)
    endings = statistics.matches_ended(db, school, year)
    counts = [week.meetings for week in weeks] + [len(coverage), len(days)]
    counts += [*ratings.values(), *(flag.raised for flag in flags), *endings.values()]
    if not any(counts):
        return None
    return {
        "school_id": school_id,
        "weeks": {week.monday.isoformat(): week.meetings for week in weeks if week.meetings},
        "coverage": [
            [row.school, row.grade, row.enrolled, row.consented, row.matched, row.met]
            for row in coverage
        ],
        "days_to_first_meeting": days,
        "ratings": {str(rating): count for rating, count in ratings.items()},
        "flags": {flag.priority.value: [flag.raised, flag.resolved] for flag in flags},
        "endings": {reason.value: count for reason, count in endings.items()},
    }


def _combined(year: SchoolYear, documents: list[dict[str, Any]]) -> AnnualFigures:
    per_monday: Counter[date] = Counter()
    coverage: list[Coverage] = []
    days: list[int] = []
    ratings = dict.fromkeys(range(1, 6), 0)
    flags: dict[FollowUpPriority, list[int]] = {priority: [0, 0] for priority in FollowUpPriority}
    endings = dict.fromkeys(CloseReason, 0)
    for document in documents:
        for monday, meetings in document["weeks"].items():
            per_monday[date.fromisoformat(monday)] += int(meetings)
        coverage += [
            Coverage(document["school_id"], school, grade, enrolled, consented, matched, met)
            for school, grade, enrolled, consented, matched, met in document["coverage"]
        ]
        days += document["days_to_first_meeting"]
        for rating, count in document["ratings"].items():
            ratings[int(rating)] += int(count)
        for priority, (raised, resolved) in document["flags"].items():
            flags[FollowUpPriority(priority)][0] += int(raised)
            flags[FollowUpPriority(priority)][1] += int(resolved)
        for reason, count in document["endings"].items():
            endings[CloseReason(reason)] += int(count)
    coverage.sort(key=lambda row: (row.school, row.school_id, row.grade))
    return AnnualFigures(
        year=year,
        weeks=statistics.every_week(year, per_monday),
        coverage=coverage,
        days_to_first_meeting=statistics.spread(days),
        ratings=ratings,
        flags=[
            FlagCount(priority, *flags[priority])
            for priority in (FollowUpPriority.HIGH, FollowUpPriority.NORMAL, FollowUpPriority.LOW)
        ],
        endings=endings,
    )
