"""The caseload per school and class: counts against hand-built pupils, the scope of each role,
and a query count that does not grow with the data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.followup import caseload
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Attendance,
    ConsentState,
    MatchState,
    MeetingState,
    Organisation,
    PupilStatus,
    Role,
    User,
)
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import sign_in

NOW = datetime(2026, 12, 1, 11, 0, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)
PAGE = "/followup/caseload"


@dataclass
class Caseload:
    school: Organisation
    other_school: Organisation
    counsellor: User
    coordinator: User


def _held(db: Session, school: Organisation, pupil_id: int, attendance: Attendance, n: int) -> None:
    starts_at = NOW - timedelta(days=10 + n)
    meeting = make_meeting(db, school=school, starts_at=starts_at, state=MeetingState.HELD)
    make_meeting_participant(db, meeting=meeting, pupil_id=pupil_id, attendance=attendance)


@pytest.fixture
def c(db: Session, clock: FakeClock) -> Caseload:
    clock.now = NOW
    school = make_school(db, name="Fjordskolen")
    other = make_school(db, name="Bakkeskolen")
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=school)
    ambassador = make_ambassador(db, capacity=5)

    def pupil(class_name: str, **overrides: object) -> int:
        grade = int(class_name.split(".")[0])
        return make_pupil(db, school=school, grade=grade, class_name=class_name, **overrides).id

    # 8.a: every stage once.
    met = pupil("8.a", questionnaire_completed_at=NOW)
    make_match(db, pupil_id=met, ambassador=ambassador, state=MatchState.ACCEPTED)
    _held(db, school, met, Attendance.PRESENT, 1)
    pupil("8.a", questionnaire_completed_at=NOW)  # waiting
    pupil("8.a", consent_state=ConsentState.MISSING, consent_at=None)
    pupil("8.a", status=PupilStatus.ARCHIVED)  # not counted at all
    proposed = pupil("8.a")
    make_match(db, pupil_id=proposed, ambassador=ambassador, state=MatchState.PROPOSED)
    closed = pupil("8.a")  # its match ended: waiting again
    make_match(db, pupil_id=closed, ambassador=ambassador, state=MatchState.CLOSED)
    absent = pupil("8.a")
    make_match(db, pupil_id=absent, ambassador=ambassador, state=MatchState.ACCEPTED)
    _held(db, school, absent, Attendance.ABSENT, 2)
    # 9.b: one waiting pupil.
    pupil("9.b")
    # Another school's pupil, matched and met: never on this caseload.
    elsewhere = make_pupil(db, school=other, grade=8, class_name="8.a")
    make_match(db, pupil_id=elsewhere.id, ambassador=ambassador, state=MatchState.ACCEPTED)
    _held(db, other, elsewhere.id, Attendance.PRESENT, 3)
    return Caseload(
        school=school, other_school=other, counsellor=counsellor, coordinator=coordinator
    )


def _row(page: str, label: str) -> list[int]:
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', page, re.S)
    assert found, page
    return [int(cell) for cell in re.findall(r"<td>(\d+)</td>", found.group(1))]


def test_the_counts_per_class(db: Session, c: Caseload) -> None:
    schools = caseload.caseload(db, c.counsellor)
    assert [school.school for school in schools] == ["Fjordskolen"]
    rows = {row.class_name: row.counts for row in schools[0].classes}
    assert rows["8.a"] == caseload.Counts(
        enrolled=6, consented=5, questionnaire=2, matched=2, met=1, waiting=2
    )
    assert rows["9.b"] == caseload.Counts(
        enrolled=1, consented=1, questionnaire=0, matched=0, met=0, waiting=1
    )
    assert schools[0].total == caseload.Counts(
        enrolled=7, consented=6, questionnaire=2, matched=2, met=1, waiting=3
    )


@pytest.mark.parametrize("role", ["counsellor", "coordinator"])
def test_the_page_shows_the_own_schools_only(
    db: Session, client: TestClient, c: Caseload, role: str
) -> None:
    sign_in(client, db, getattr(c, role))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.text
    assert "Fjordskolen" in page
    assert "Bakkeskolen" not in page
    assert _row(page, "8.a") == [6, 5, 2, 2, 1, 2]
    assert _row(page, "9.b") == [1, 1, 0, 0, 0, 1]
    assert _row(page, "I alt") == [7, 6, 2, 2, 1, 3]


def test_another_schools_coordinator_sees_only_that_school(
    db: Session, client: TestClient, c: Caseload
) -> None:
    sign_in(client, db, make_user(db, role=Role.COORDINATOR, organisation=c.other_school))
    page = client.get(PAGE).text
    assert "Fjordskolen" not in page
    assert _row(page, "8.a") == [1, 1, 0, 1, 1, 0]


def test_a_counsellor_with_no_schools_sees_an_empty_caseload(
    db: Session, client: TestClient, c: Caseload
) -> None:
    sign_in(client, db, make_user(db, role=Role.COUNSELLOR))
    page = client.get(PAGE).text
    assert "Ingen aktive elever" in page
    assert "Fjordskolen" not in page


def test_the_page_costs_the_same_queries_however_many_pupils(
    db: Session, client: TestClient, c: Caseload, query_counter: QueryCounter
) -> None:
    sign_in(client, db, c.counsellor)
    client.get(PAGE)
    query_counter.reset()
    assert client.get(PAGE).status_code == 200
    small = query_counter.count

    ambassador = make_ambassador(db, capacity=5)
    for n in range(3):
        school = make_school(db)
        make_counsellor_school(db, counsellor=c.counsellor, school=school)
        for k in range(8):
            grade = 7 + k % 4
            pupil = make_pupil(db, school=school, grade=grade, class_name=f"{grade}.{'abc'[k % 3]}")
            if k % 2:
                make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
                _held(db, school, pupil.id, Attendance.PRESENT, 20 + n * 10 + k)
    query_counter.reset()
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.text.count("<section") >= 4
    assert query_counter.count == small
