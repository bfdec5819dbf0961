"""The demo's school year: holidays and exams for every school, meeting topics, school hours."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.catalogue.calendar import active_topics, closed_periods
from mentor.catalogue.calendar_service import EARLIEST, LATEST, LONGEST
from mentor.catalogue.seed import MEETING_TOPICS, seed_catalogues
from mentor.demo import load_demo
from mentor.demo.school_year import CALENDAR
from mentor.models import CalendarEntry, CalendarEntryKind, MeetingTopic, Organisation
from mentor.organisations.school_hours import (
    DEFAULT_SCHOOL_HOURS,
    hours_field_values,
    parse_hours_fields,
    school_hours_of,
)
from mentor.organisations.service import SCHOOL_KINDS


def _school(db: Session, code: str) -> Organisation:
    return db.scalars(select(Organisation).where(Organisation.code == code)).one()


def test_the_demo_has_the_danish_school_holidays_of_2026_27(db: Session) -> None:
    load_demo(db)
    school = _school(db, "SBRO")

    def closed_on(day: date) -> list[str]:
        return [e.name_da for e in closed_periods(db, school_id=school.id, start=day, end=day)]

    entries = db.scalars(select(CalendarEntry)).all()
    assert len(entries) == len(CALENDAR)
    assert all(entry.school_id is None for entry in entries)  # municipality-wide
    assert all(EARLIEST <= e.starts_on <= e.ends_on <= LATEST for e in entries)
    assert all(e.ends_on - e.starts_on < LONGEST for e in entries)
    assert closed_on(date(2026, 8, 9)) == ["Sommerferie"]
    assert closed_on(date(2026, 8, 10)) == []  # the first school day
    assert closed_on(date(2026, 10, 14)) == ["Efterårsferie"]  # week 42
    assert closed_on(date(2027, 1, 3)) == ["Juleferie"]
    assert closed_on(date(2027, 1, 4)) == []
    assert closed_on(date(2027, 2, 17)) == ["Vinterferie"]  # week 7
    assert closed_on(date(2027, 3, 29)) == ["Påskeferie"]  # 2. påskedag
    assert closed_on(date(2027, 4, 23)) == []  # Store bededag is abolished
    assert closed_on(date(2027, 5, 7)) == ["Prøveperiode", "Kristi himmelfartsferie"]
    assert closed_on(date(2027, 5, 17)) == ["Prøveperiode", "2. pinsedag"]
    assert closed_on(date(2027, 6, 26)) == ["Sommerferie"]
    exams = [e for e in entries if e.kind is CalendarEntryKind.EXAMS]
    assert [(e.name_en, e.starts_on, e.ends_on) for e in exams] == [
        ("Exam period", date(2027, 5, 3), date(2027, 6, 18))
    ]


def test_the_demo_schools_have_valid_hours_and_both_kinds_of_confirmation(db: Session) -> None:
    load_demo(db)
    schools = db.scalars(select(Organisation).where(Organisation.kind.in_(SCHOOL_KINDS))).all()

    for school in schools:
        hours = school_hours_of(school)
        # What the admin's form would accept, so the admin can save the school unchanged.
        assert parse_hours_fields(hours_field_values(hours)) == hours
    assert school_hours_of(_school(db, "SBRO"))[4] == {
        "weekday": 4,
        "start": "08:00",
        "end": "14:00",
    }
    assert _school(db, "STAR").school_hours == []  # the usual hours
    assert school_hours_of(_school(db, "STAR")) == list(DEFAULT_SCHOOL_HOURS)
    confirming = {school.code for school in schools if school.meeting_confirmation_required}
    assert "SBRO" in confirming  # the demo coordinator's school confirms meetings
    assert {school.code for school in schools} - confirming == {"SKRY", "SOMM"}


def test_the_seed_adds_the_meeting_topics_once_and_keeps_an_admins_edits(db: Session) -> None:
    counts = seed_catalogues(db)

    assert counts.meeting_topics == len(MEETING_TOPICS) == 5
    topics = active_topics(db)
    assert [t.code for t in topics] == [
        "programmes",
        "student_life",
        "application",
        "doubts",
        "other",
    ]
    assert [t.label_da for t in topics][2] == "Ansøgning og optagelse.dk"
    assert topics[1].label_en == "Daily life as a student"
    topics[4].active = False
    topics[0].label_da = "Uddannelser og valg"
    db.flush()

    again = seed_catalogues(db)

    assert again.meeting_topics == again.total == 0
    assert db.scalar(select(func.count()).select_from(MeetingTopic)) == 5
    db.expire_all()
    assert [t.code for t in active_topics(db)] == [
        "programmes",
        "student_life",
        "application",
        "doubts",
    ]
    assert active_topics(db)[0].label_da == "Uddannelser og valg"
