"""The annual report over HTTP: a counsellor's caseload, the municipality for the admin, no pupil
named, the year parameter, and the same number of queries however much data there is."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import Attendance, MatchState, MeetingState, Organisation, Role, User
from tests.conftest import FakeClock, QueryCounter
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
from tests.web import sign_in

PAGE = "/followup/report"


def local(year: int, month: int, day: int, hour: int = 14) -> datetime:
    return datetime(year, month, day, hour, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


@pytest.fixture(autouse=True)
def _december(clock: FakeClock) -> None:
    clock.now = local(2026, 12, 5, 10)


@pytest.fixture
def school(db: Session) -> Organisation:
    return make_school(db, name="Hertug Hans Skole")


@pytest.fixture
def other(db: Session) -> Organisation:
    return make_school(db, name="Fremmed Skole")


@pytest.fixture
def counsellor(db: Session, school: Organisation) -> User:
    user = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=user, school=school)
    return user


def _term(db: Session, school: Organisation, pupils: int, start_day: int = 1) -> None:
    """``pupils`` matched pupils, each met once, with feedback and a flag."""
    ambassador = make_ambassador(db)
    for n in range(pupils):
        pupil = make_pupil(
            db, school=school, grade=8 + n % 2, created_at=local(2026, 9, 1), first_name="Zelda"
        )
        match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        meeting = make_meeting(
            db,
            school=school,
            ambassador=ambassador,
            state=MeetingState.HELD,
            starts_at=local(2026, 10, start_day + n),
        )
        make_meeting_participant(
            db, meeting=meeting, pupil=pupil, match=match, attendance=Attendance.PRESENT
        )
        make_feedback(db, meeting=meeting, pupil=pupil, rating=1 + n % 5)
        make_meeting_log(
            db,
            meeting=meeting,
            needs_follow_up=True,
            follow_up_priority="normal",
            follow_up_reason="Tal med eleven.",
        )


def _svgs(page: str) -> list[ET.Element]:
    found = []
    start = 0
    while (begin := page.find("<svg", start)) != -1:
        end = page.index("</svg>", begin) + len("</svg>")
        found.append(fromstring(page[begin:end]))
        start = end
    return found


def test_a_counsellor_sees_the_caseloads_figures_with_charts_and_tables(
    db: Session,
    client: TestClient,
    counsellor: User,
    school: Organisation,
    other: Organisation,
) -> None:
    _term(db, school, pupils=3)
    _term(db, other, pupils=2, start_day=10)
    sign_in(client, db, counsellor)
    page = client.get(f"{PAGE}?year=2027")
    assert page.status_code == 200
    text = page.text
    assert "Årsrapport 2026/27" in text
    assert "Hertug Hans Skole, 8. klasse" in text
    assert "Fremmed Skole" not in text
    # No pupil is named: figures only.
    assert "Zelda" not in text
    svgs = _svgs(text)
    assert len(svgs) == 6
    for svg in svgs:
        assert svg.get("role") == "img"
    # The in-brief figures: 3 pupils met, 3 meetings held.
    assert "<dt>Møder holdt</dt><dd>3</dd>" in text.replace("\n", "").replace("  ", "")
    assert "<table" in text
    assert text.count("<caption id=") == 6
    # The menu offers it.
    assert 'href="/followup/report"' in text


def test_the_admin_sees_the_whole_municipality_and_no_one_else_may(
    db: Session, client: TestClient, school: Organisation, other: Organisation
) -> None:
    _term(db, school, pupils=1)
    _term(db, other, pupils=1, start_day=10)
    sign_in(client, db, make_user(db, role=Role.ADMIN))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Hertug Hans Skole" in page.text
    assert "Fremmed Skole" in page.text
    assert "Alle kommunens skoler" in page.text
    assert "Zelda" not in page.text
    for role in (Role.COORDINATOR, Role.AMBASSADOR):
        client.cookies.clear()
        user = make_user(db, role=role)
        sign_in(client, db, user)
        assert client.get(PAGE).status_code == 403
        assert 'href="/followup/report"' not in client.get("/").text


def test_an_empty_year_says_there_is_no_data(
    db: Session, client: TestClient, counsellor: User
) -> None:
    sign_in(client, db, counsellor)
    page = client.get(f"{PAGE}?year=2020")
    assert page.status_code == 200
    assert "Årsrapport 2019/20" in page.text
    assert "Ingen tal for denne periode." in page.text


@pytest.mark.parametrize(
    "year",
    ["abc", "1", "0001", "99999999999999999999", "2\x0027", "x" * 10_000, "1999", "2030", "-2027"],
)
def test_a_bad_year_falls_back_to_this_school_year_with_a_message(
    db: Session, client: TestClient, counsellor: User, year: str
) -> None:
    sign_in(client, db, counsellor)
    page = client.get(PAGE, params={"year": year})
    assert page.status_code == 200
    assert "Årsrapport 2026/27" in page.text
    assert "Det er ikke et skoleår, vi kan vise." in page.text


def test_the_report_costs_the_same_queries_however_much_data(
    db: Session,
    client: TestClient,
    counsellor: User,
    school: Organisation,
    query_counter: QueryCounter,
) -> None:
    _term(db, school, pupils=1)
    sign_in(client, db, counsellor)
    client.get(PAGE)
    query_counter.reset()
    assert client.get(PAGE).status_code == 200
    few = query_counter.count
    _term(db, school, pupils=12, start_day=3)
    _term(db, make_school(db), pupils=4)
    make_counsellor_school(db, counsellor=counsellor, school=make_school(db))
    query_counter.reset()
    assert client.get(PAGE).status_code == 200
    assert query_counter.count == few
