"""The school year's key dates (the admin's page), the deadline nudges on the dashboard, and the
weekly digest: once a week, however often it runs."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker, session_scope
from mentor.followup.digest import iso_week, send_digests
from mentor.followup.school_year import add_defaults, deadline_nudges
from mentor.migrations import upgrade
from mentor.models import (
    Attendance,
    DigestDelivery,
    MatchState,
    MeetingState,
    OutboxEmail,
    Role,
    SchoolYearDate,
    SchoolYearDateKind,
)
from tests.conftest import FakeClock
from tests.factories import (
    make_counsellor_school,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_school_year_date,
    make_user,
)
from tests.web import post_form, sign_in

# Monday 1 February 2027: four weeks before the deadline.
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def test_the_admin_adds_the_usual_dates_and_edits_one(db: Session, client: TestClient) -> None:
    sign_in(client, db, make_user(db, role=Role.ADMIN))
    page = "/admin/school-year?year=2027"
    assert "Tilføj de sædvanlige datoer for 2026/27" in client.get(page).text
    assert post_form(client, "/admin/school-year/defaults", {}, token_from=page).status_code == 303
    assert post_form(client, "/admin/school-year/defaults", {}, token_from=page).status_code == 303
    rows = db.scalars(select(SchoolYearDate).where(SchoolYearDate.school_year == 2027)).all()
    assert len(rows) == 4  # the second press adds nothing
    deadline = next(r for r in rows if r.kind is SchoolYearDateKind.APPLICATION_DEADLINE)
    assert deadline.starts_on == date(2027, 3, 1)
    shown = client.get(page).text
    assert "01.03.2027" in shown

    bad = post_form(
        client,
        f"/admin/school-year/{deadline.id}",
        {
            "kind": "application_deadline",
            "name_da": "x\x00",
            "name_en": "y" * 10_000,
            "starts_on": "0001-01-01",
            "ends_on": "2027-02-01",
        },
        token_from=page,
    )
    assert bad.status_code == 422
    for field in ("name_da", "name_en", "starts_on"):
        assert f'id="{field}-error"' in bad.text
    good = post_form(
        client,
        f"/admin/school-year/{deadline.id}",
        {
            "kind": "application_deadline",
            "name_da": "Frist",
            "name_en": "Deadline",
            "starts_on": "02.03.2027",
            "ends_on": "02.03.2027",
        },
        token_from=page,
    )
    assert good.status_code == 303
    db.refresh(deadline)
    assert deadline.starts_on == date(2027, 3, 2)
    assert (
        post_form(
            client, f"/admin/school-year/{deadline.id}/delete", {}, token_from=page
        ).status_code
        == 303
    )
    assert db.scalar(select(SchoolYearDate.id).where(SchoolYearDate.id == deadline.id)) is None


def _caseload(db: Session):  # type: ignore[no-untyped-def]
    counsellor = make_user(db, role=Role.COUNSELLOR)
    school = make_school(db)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    return counsellor, school


def test_the_deadline_names_the_9th_and_10th_graders_to_reach(
    db: Session, client: TestClient, clock: FakeClock
) -> None:
    counsellor, school = _caseload(db)
    add_defaults(db)
    unmet = make_pupil(db, school=school, grade=9, first_name="Umet")
    make_match(db, pupil=unmet, state=MatchState.ACCEPTED)
    met = make_pupil(db, school=school, grade=10, first_name="Mødt")
    match = make_match(db, pupil=met, state=MatchState.ACCEPTED)
    held = make_meeting(
        db,
        ambassador_id=match.ambassador_id,
        school=school,
        state=MeetingState.HELD,
        starts_at=NOW - timedelta(days=10),
    )
    make_meeting_participant(
        db, meeting=held, pupil=met, match=match, attendance=Attendance.PRESENT
    )
    make_pupil(db, school=school, grade=10, first_name="Alene")
    make_pupil(db, school=school, grade=8, first_name="Ottende")

    nudges = deadline_nudges(db, user=counsellor, now=NOW)
    assert nudges is not None
    assert nudges.days_left == 28
    assert {(p.name.split()[0], p.nudge.value) for p in nudges.pupils} == {
        ("Umet", "no_meeting"),
        ("Alene", "unmatched"),
    }
    # Too early: nothing yet.
    assert deadline_nudges(db, user=counsellor, now=NOW - timedelta(days=70)) is None

    clock.now = NOW
    sign_in(client, db, counsellor)
    page = client.get("/followup").text
    assert "Ansøgningsfristen er 01.03.2027: 28 dage tilbage" in page
    assert "Umet" in page
    assert "Mødt" not in page


def test_the_digest_goes_once_a_week_however_often_it_runs(db: Session, settings: Settings) -> None:
    counsellor, school = _caseload(db)
    make_user(db, role=Role.COUNSELLOR)  # no schools: no digest
    make_user(db, role=Role.COUNSELLOR, is_active=False)
    make_school_year_date(db)
    make_pupil(db, school=school, grade=9, first_name="Umet")
    assert send_digests(db, now=NOW, settings=settings) == 1
    assert send_digests(db, now=NOW + timedelta(hours=3), settings=settings) == 0
    mails = db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == counsellor.email)).all()
    assert len(mails) == 1
    assert "Umet" in mails[0].body_text
    assert iso_week(NOW) in mails[0].subject
    # The next week, the next digest.
    assert send_digests(db, now=NOW + timedelta(days=7), settings=settings) == 1
    assert db.scalar(select(func.count(DigestDelivery.id))) == 2


def test_mentor_digest_send_twice_sends_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'digest.sqlite3'}"
    upgrade(url)
    with session_scope(make_sessionmaker(make_engine(url))) as session:
        _caseload(session)

    def digest() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mentor", "digest", "send"],
            capture_output=True,
            text=True,
            env={
                "MENTOR_DATABASE_URL": url,
                "MENTOR_MAIL_DIR": str(tmp_path / "mail"),
                "PATH": "/usr/bin:/bin",
            },
            timeout=120,
            check=False,
        )

    first, second = digest(), digest()
    assert first.returncode == 0, first.stderr
    assert "1 ugeoversigt sendt" in first.stdout
    assert "0 ugeoversigter sendt" in second.stdout
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
