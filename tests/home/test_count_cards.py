"""Each role's home page opens with its own counts as cards, each linking to the list behind it;
the counts come from the data, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import AmbassadorState, ConsentState, MatchState, MeetingState, Role, User
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_meeting,
    make_meeting_log,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import sign_in

_CARD = re.compile(r'<li[^>]*><a href="([^"]+)"><span class="count">(\d+)</span> ([^<]+)</a></li>')


def cards(client: TestClient) -> dict[str, tuple[int, str]]:
    """The home page's count cards: label → (count, link)."""
    page = client.get("/")
    assert page.status_code == 200
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    return {label.strip(): (int(count), href) for href, count, label in _CARD.findall(main)}


def _missing_consent(db: Session, school: object, **overrides: object) -> None:
    make_pupil(
        db,
        school=school,
        consent_state=ConsentState.MISSING,
        consent_given_by=None,
        consent_method=None,
        consent_at=None,
        **overrides,
    )


def test_the_coordinator_sees_pupils_without_consent_and_unanswered_questionnaires(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    school = make_school(db)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=school)
    for _ in range(3):
        _missing_consent(db, school)
    make_pupil(db, school=school, questionnaire_completed_at=clock.now)
    _missing_consent(db, make_school(db))  # another school's pupil is not counted
    sign_in(client, db, coordinator)

    found = cards(client)

    assert found["elever uden forældresamtykke"] == (3, "/pupils?consent=missing")
    assert found["elever har ikke svaret på spørgeskemaet"] == (
        3,
        "/pupils?questionnaire=unanswered",
    )
    assert found["nye match skal gives videre til elever"] == (0, "/school/matches")
    assert found["møder venter på din bekræftelse"] == (0, "/school/meetings")
    # The card's link shows the same pupils it counts.
    listed = client.get("/pupils?consent=missing").text
    assert "Viser 1–3 af 3 elever." in listed


def test_the_ambassador_sees_proposals_meetings_this_week_and_logs_due(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=clock.now.tzinfo)  # a Wednesday
    ambassador = make_ambassador(db)
    for _ in range(2):
        make_match(db, ambassador=ambassador, state=MatchState.PROPOSED)
    thursday = clock.now + timedelta(days=1)
    make_meeting(db, ambassador=ambassador, starts_at=thursday)
    next_week = clock.now + timedelta(days=6)
    make_meeting(db, ambassador=ambassador, starts_at=next_week)
    monday = clock.now - timedelta(days=2)
    make_meeting(db, ambassador=ambassador, starts_at=monday)  # held, not logged
    logged = make_meeting(db, ambassador=ambassador, starts_at=monday + timedelta(hours=3))
    make_meeting_log(db, meeting=logged)
    make_meeting(
        db,
        ambassador=ambassador,
        starts_at=monday,
        state=MeetingState.CANCELLED,
        cancelled_at=monday - timedelta(days=1),
    )
    make_meeting(db, starts_at=thursday)  # someone else's
    sign_in(client, db, db.get_one(User, ambassador.user_id))

    found = cards(client)

    assert found["foreslåede elever venter på dit svar"] == (2, "/ambassador/mentees")
    assert found["møder i denne uge"] == (3, "/ambassador/meetings")
    assert found["møde skal logges"] == (1, "/ambassador/meetings")


def test_the_counsellor_sees_unmatched_stalled_and_flagged_with_links_to_the_queues(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    for _ in range(2):
        make_pupil(db, school=school)  # consent given, no ambassador
    make_pupil(db)  # at a school the counsellor does not follow
    sign_in(client, db, counsellor)

    found = cards(client)

    assert found["elever, der kan matches, uden ambassadør"] == (2, "/followup/queues/unmatched")
    assert found["opfølgningsflag"] == (0, "/followup/queues/flags")
    assert "forløb går i stå: forslag uden svar eller intet møde endnu" in found


def test_the_admin_sees_applications_and_each_vetting_step_waiting(
    client: TestClient, db: Session
) -> None:
    for state, number in (
        (AmbassadorState.APPLIED, 2),
        (AmbassadorState.CERTIFICATE_REQUESTED, 1),
        (AmbassadorState.ACTIVE, 3),
    ):
        for _ in range(number):
            make_ambassador(db, state=state)
    sign_in(client, db, make_user(db, role=Role.ADMIN))

    found = cards(client)

    assert found["ambassadøransøgninger skal vurderes"] == (2, "/admin/ambassadors?state=applied")
    assert found["børneattest bestilt, endnu ikke godkendt"] == (
        1,
        "/admin/ambassadors?state=certificate_requested",
    )
    assert found["ambassadører med kursus venter på at blive aktiveret"] == (
        0,
        "/admin/ambassadors?state=trained",
    )


def test_each_home_page_makes_the_same_number_of_queries_for_little_or_much_data(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    ambassador = make_ambassador(db)
    users = {
        "coordinator": make_user(db, role=Role.COORDINATOR, organisation=school),
        "counsellor": counsellor,
        "ambassador": db.get_one(User, ambassador.user_id),
        "admin": make_user(db, role=Role.ADMIN),
    }

    def queries() -> dict[str, int]:
        found = {}
        for role, user in users.items():
            client.cookies.clear()
            sign_in(client, db, user)
            query_counter.reset()
            assert client.get("/").status_code == 200
            found[role] = query_counter.count
        return found

    few = queries()
    for _ in range(15):
        pupil = make_pupil(db, school=school)
        _missing_consent(db, school)
        make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.PROPOSED)
        make_ambassador(db, state=AmbassadorState.APPLIED)
    many = queries()

    assert few == many
