"""A pupil's data over the years: a 9th-grader enrolled in 2026/27 is all there through the year
after, and gone from every table once 12 months have passed since their last school year ended
(1 August 2028); the annual report for 2026/27 shows the same figures before and after. Time is
moved by the retention job's ``today`` and the app's clock, never slept."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import Base
from mentor.followup.snapshots import figures_for_report
from mentor.followup.statistics import SchoolYear
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    AnnualFiguresSnapshot,
    Attendance,
    AuditEvent,
    CloseReason,
    MatchState,
    MeetingState,
    Organisation,
    Pupil,
    Role,
    User,
)
from mentor.policy import report_school_ids
from mentor.privacy.retention import last_school_year_due, run_retention
from tests.conftest import FakeClock
from tests.factories import (
    make_ambassador,
    make_ambassador_check_in,
    make_audit_event,
    make_counsellor_school,
    make_exit_answer,
    make_feedback,
    make_match,
    make_match_run_pupil,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_note,
    make_outbox_email,
    make_pair_rule,
    make_pupil,
    make_pupil_link,
    make_school,
    make_user,
)
from tests.web import sign_in

YEAR = SchoolYear(2027)  # 2026/27
CANARY = "Tidsrejsekanarie"


def local(year: int, month: int, day: int, hour: int = 14) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


def _pupil_with_everything(
    db: Session, school: Organisation, *, grade: int, last_school_year: int, name: str
) -> Pupil:
    """A pupil enrolled in September 2026, matched, met twice (a flag raised and resolved),
    with feedback, a note, an exit answer, a pair rule, a proposal, a link and an audit trail."""
    ambassador = make_ambassador(db)
    pupil = make_pupil(
        db,
        school=school,
        grade=grade,
        last_school_year=last_school_year,
        created_at=local(2026, 9, 1),
        first_name=name,
        last_name=CANARY,
        conversation_wish=f"Noget om gymnasiet, {CANARY}",
    )
    match = make_match(
        db,
        pupil=pupil,
        ambassador=ambassador,
        state=MatchState.CLOSED,
        proposed_at=local(2026, 9, 10),
        responded_at=local(2026, 9, 11),
        closed_at=local(2027, 6, 20),
        close_reason=CloseReason.APPLIED,
    )
    for month, rating in ((10, 4), (3, 5)):
        meeting = make_meeting(
            db,
            school=school,
            ambassador=ambassador,
            state=MeetingState.HELD,
            starts_at=local(2026 if month > 7 else 2027, month, 6),
        )
        make_meeting_participant(
            db, meeting=meeting, pupil=pupil, match=match, attendance=Attendance.PRESENT
        )
        make_feedback(db, meeting=meeting, pupil=pupil, rating=rating, comment=f"Godt, {CANARY}")
        make_meeting_log(
            db,
            meeting=meeting,
            summary=f"Vi talte om HHX. {CANARY}",
            needs_follow_up=True,
            follow_up_priority="high",
            follow_up_reason=f"Tal med {CANARY}",
        )
    make_exit_answer(db, match=match, comment=f"Tak, {CANARY}")
    make_ambassador_check_in(db, ambassador=ambassador, match=match, note=f"Talt om {name}")
    make_note(db, pupil=pupil, body=f"Vejlederens note om {CANARY}")
    make_pair_rule(db, pupil=pupil, ambassador=ambassador)
    make_match_run_pupil(db, pupil=pupil, ambassador=ambassador)
    make_pupil_link(db, pupil=pupil, expires_at=local(2099, 1, 1))
    make_audit_event(db, pupil_id=pupil.id, details={"emailed_to": f"{CANARY}@example.dk"})
    make_outbox_email(db, subject=f"Møde med {name} {CANARY}", to_address="vaerge@example.dk")
    return pupil


def _rows_naming(db: Session, pupil_id: int, canary: str) -> dict[str, int]:
    """Rows of every table that point at the pupil or hold the canary in any text column."""
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        conditions = [
            column == pupil_id
            for column in table.columns
            if any(key.column.table.name == "pupil" for key in column.foreign_keys)
        ]
        if table.name == "pupil":
            conditions.append(table.c.id == pupil_id)
        conditions += [
            cast(column, Text).contains(canary)
            for column in table.columns
            if isinstance(column.type, String | Text | JSON) or column.type.__class__ is JSON
        ]
        if not conditions:
            continue
        count = db.scalar(select(func.count()).select_from(table).where(or_(*conditions))) or 0
        if count:
            found[table.name] = count
    return found


def _report_tables(client: TestClient) -> list[str]:
    page = client.get("/followup/report?year=2027")
    assert page.status_code == 200
    text = page.text
    assert "Årsrapport 2026/27" in text
    tables = re.findall(r"<table.*?</table>", text, flags=re.S)
    brief = re.findall(r"<dl.*?</dl>", text, flags=re.S)
    assert len(tables) == 6
    return tables + brief


@pytest.fixture
def counsellor(db: Session) -> User:
    return make_user(db, role=Role.COUNSELLOR)


def test_a_9th_grader_of_2026_27_is_there_until_august_2028_and_then_gone_with_the_figures_kept(
    db: Session, client: TestClient, clock: FakeClock, settings: Settings, counsellor: User
) -> None:
    school = make_school(db, name="Tidsrejse Skole")
    make_counsellor_school(db, counsellor=counsellor, school=school)
    leaver = _pupil_with_everything(db, school, grade=9, last_school_year=2027, name="Ninette")
    # An 8th-grader of the same year stays a year longer.
    stayer = _pupil_with_everything(db, school, grade=8, last_school_year=2028, name="Otto")
    leaver_id, stayer_id = leaver.id, stayer.id
    clock.now = local(2027, 9, 1)
    sign_in(client, db, counsellor)
    before = _report_tables(client)
    figures_before = figures_for_report(db, report_school_ids(counsellor), YEAR)
    assert figures_before.meetings_held == 4
    assert figures_before.pupils_met == 2
    everything = _rows_naming(db, leaver_id, "Ninette")
    trail = db.scalars(select(AuditEvent.id).where(AuditEvent.pupil_id == leaver_id)).all()
    assert trail

    # Through 2027 and the year after, the leaver is all there: every run until 31 July 2028.
    for today in (date(2027, 8, 1), date(2027, 12, 31), date(2028, 7, 31)):
        run_retention(db, today=today, settings=settings)
        assert _rows_naming(db, leaver_id, "Ninette") == everything, today
    assert last_school_year_due(today=date(2028, 7, 31), settings=settings) == 2026
    assert last_school_year_due(today=date(2028, 8, 1), settings=settings) == 2027
    assert {"pupil", "match", "meeting_participant", "feedback", "note", "pupil_link"} <= set(
        everything
    )

    outcomes = {
        o.label: o.rows for o in run_retention(db, today=date(2028, 8, 1), settings=settings)
    }

    assert _rows_naming(db, leaver_id, "Ninette") == {}
    assert outcomes["pupil"] == 1
    assert outcomes["meeting"] == 2
    assert outcomes["meeting_log"] == 2
    assert outcomes["exit_answer"] == 1
    assert outcomes["ambassador_check_in"] == 1
    assert outcomes["annual_figures_snapshot (kept)"] == 1
    # The stayer (and their meetings) are untouched; their year is not over for another year.
    assert _rows_naming(db, stayer_id, "Otto") != {}
    assert db.get(Pupil, stayer_id) is not None
    # The audit keeps that something happened, without the pupil or what it said.
    db.expire_all()
    for event_id in trail:
        event = db.get(AuditEvent, event_id)
        assert event is not None
        assert (event.pupil_id, event.details) == (None, {})

    # Idempotent: a second run finds nothing, and the kept figures are not kept twice.
    again = run_retention(db, today=date(2028, 8, 1), settings=settings)
    assert {o.label: o.rows for o in again if o.rows} == {}

    clock.now = local(2028, 8, 2)
    sign_in(client, db, counsellor)
    assert figures_for_report(db, report_school_ids(counsellor), YEAR) == figures_before
    assert _report_tables(client) == before
    # The 2027/28 report counts the stayer from the data, as before.
    assert (
        db.scalar(
            select(func.count())
            .select_from(AnnualFiguresSnapshot)
            .where(AnnualFiguresSnapshot.school_year == 2028)
        )
        == 0
    )
