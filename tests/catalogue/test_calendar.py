"""What the scheduler reads: the closed periods around a time, and the active topics."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from mentor.catalogue.calendar import active_topics, closed_periods
from tests.factories import make_calendar_entry, make_meeting_topic, make_school


def test_closed_periods_are_the_schools_and_everyones_that_overlap(db: Session) -> None:
    school, other = make_school(db), make_school(db)
    everyone = make_calendar_entry(
        db, starts_on=date(2026, 10, 10), ends_on=date(2026, 10, 18), school_id=None
    )
    own = make_calendar_entry(
        db, starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 1), school_id=school.id
    )
    make_calendar_entry(  # another school's day
        db, starts_on=date(2026, 10, 2), ends_on=date(2026, 10, 2), school_id=other.id
    )
    make_calendar_entry(  # after the window
        db, starts_on=date(2026, 10, 19), ends_on=date(2026, 10, 20), school_id=None
    )
    make_calendar_entry(  # before the window
        db, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30), school_id=None
    )

    found = closed_periods(db, school_id=school.id, start=date(2026, 10, 1), end=date(2026, 10, 10))

    # Both ends count: the 1st (the school's own day) and the 10th (the holiday's first day).
    assert [entry.id for entry in found] == [own.id, everyone.id]
    assert (
        closed_periods(db, school_id=other.id, start=date(2026, 10, 1), end=date(2026, 10, 1)) == []
    )
    assert closed_periods(
        db, school_id=school.id, start=date(2026, 10, 18), end=date(2026, 10, 18)
    ) == [everyone]


def test_active_topics_come_in_the_admins_order(db: Session) -> None:
    second = make_meeting_topic(db, sort_order=20)
    first = make_meeting_topic(db, sort_order=10)
    make_meeting_topic(db, sort_order=0, active=False)

    topics = [topic.id for topic in active_topics(db)]

    assert topics.index(first.id) < topics.index(second.id)
    assert len([t for t in active_topics(db) if not t.active]) == 0
