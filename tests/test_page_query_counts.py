"""Every staff page sends the same number of SQL statements whatever the data's size.

A small municipality is built with the factories; each page is read by its role once (to warm
up: a session touch, a first lookup), then once counted; the municipality grows four-fold —
pupils, ambassadors, matches, meetings with logs and feedback, a run's preview rows, users — and
the page is counted again. The count must be the same (a query per row would make it grow), and
the page must show the data that grew: a count or a name of the larger municipality.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import (
    Ambassador,
    AmbassadorState,
    Attendance,
    ConsentState,
    FollowUpPriority,
    MatchRun,
    MatchState,
    MeetingState,
    Organisation,
    Pupil,
    Role,
    User,
)
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_feedback,
    make_match,
    make_match_run,
    make_match_run_pupil,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import sign_in

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SMALL, GROWTH = 2, 6  # rounds of data: measured after 2, and again after 8


@dataclass
class World:
    """A school with a counsellor, a coordinator, an admin and an ambassador with mentees, and
    the facts each page must show after ``grow``."""

    school: Organisation
    counsellor: User
    coordinator: User
    admin: User
    ambassador: Ambassador
    run: MatchRun
    ambassador_user: User
    # A pupil the ambassador mentors, who gets a meeting, a log and feedback every round.
    regular: Pupil
    regular_match_id: int
    rounds: int = 0
    waiting: list[Pupil] = field(default_factory=list)
    without_consent: int = 0
    proposed_to_ambassador: list[Pupil] = field(default_factory=list)
    flagged_high: int = 0
    applied: list[User] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)
    school_meeting_pupils: list[Pupil] = field(default_factory=list)
    enrolled: int = 0

    def user(self, role: Role) -> User:
        return {
            Role.COUNSELLOR: self.counsellor,
            Role.COORDINATOR: self.coordinator,
            Role.ADMIN: self.admin,
        }.get(role, self.ambassador_user)


def _pupil(db: Session, world: World, label: str, **overrides: object) -> Pupil:
    n = world.rounds
    world.enrolled += 1
    return make_pupil(
        db,
        school=world.school,
        first_name=f"{label}{n}",
        last_name=f"Elevsen{label}{n}",
        questionnaire_completed_at=NOW - 20 * DAY,
        **overrides,
    )


def _meeting_with(
    db: Session,
    *,
    ambassador: Ambassador,
    world: World,
    pupil: Pupil,
    match_id: int,
    starts_at: datetime,
    state: MeetingState,
    attendance: Attendance = Attendance.UNKNOWN,
) -> int:
    meeting = make_meeting(
        db, ambassador=ambassador, school=world.school, starts_at=starts_at, state=state
    )
    make_meeting_participant(
        db, meeting=meeting, pupil_id=pupil.id, match_id=match_id, attendance=attendance
    )
    return meeting.id


def grow(db: Session, world: World, rounds: int) -> None:
    """Each round: a pupil waiting for an ambassador, one without consent, one matched with a
    new ambassador (a held meeting with a red flag and low feedback, an upcoming meeting), a
    proposal and a mentee for the logged-in ambassador (with a meeting each), a meeting of the
    regular mentee, the run's preview rows, an applicant ambassador and a new staff user."""
    for _ in range(rounds):
        world.rounds += 1
        n = world.rounds
        waiting = _pupil(db, world, "Vente")
        world.waiting.append(waiting)
        _pupil(
            db,
            world,
            "Uden",
            consent_state=ConsentState.MISSING,
            consent_at=None,
            consent_method=None,
            consent_given_by=None,
        )
        world.without_consent += 1

        other = make_ambassador(db)
        matched = _pupil(db, world, "Match")
        match = make_match(
            db,
            pupil=matched,
            ambassador=other,
            state=MatchState.ACCEPTED,
            responded_at=NOW - 40 * DAY,
        )
        held = _meeting_with(
            db,
            ambassador=other,
            world=world,
            pupil=matched,
            match_id=match.id,
            starts_at=NOW - (n + 3) * DAY,
            state=MeetingState.HELD,
            attendance=Attendance.PRESENT,
        )
        make_meeting_log(
            db,
            meeting_id=held,
            needs_follow_up=True,
            follow_up_priority=FollowUpPriority.HIGH,
            follow_up_reason="Tvivl om valg",
            logged_at=NOW - 30 * DAY,
        )
        world.flagged_high += 1
        make_feedback(db, meeting_id=held, pupil_id=matched.id, rating=1, submitted_at=NOW - DAY)
        _meeting_with(
            db,
            ambassador=other,
            world=world,
            pupil=matched,
            match_id=match.id,
            starts_at=NOW + n * DAY + timedelta(hours=2),
            state=MeetingState.PENDING,
        )
        world.school_meeting_pupils.append(matched)

        proposed = _pupil(db, world, "Forslag")
        make_match(db, pupil=proposed, ambassador=world.ambassador, proposed_at=NOW - DAY)
        world.proposed_to_ambassador.append(proposed)
        mentee = _pupil(db, world, "Mentee")
        own = make_match(
            db,
            pupil=mentee,
            ambassador=world.ambassador,
            state=MatchState.ACCEPTED,
            responded_at=NOW - 10 * DAY,
        )
        _meeting_with(
            db,
            ambassador=world.ambassador,
            world=world,
            pupil=mentee,
            match_id=own.id,
            starts_at=NOW + n * DAY + timedelta(hours=4),
            state=MeetingState.SCHEDULED,
        )
        regular = _meeting_with(
            db,
            ambassador=world.ambassador,
            world=world,
            pupil=world.regular,
            match_id=world.regular_match_id,
            starts_at=NOW - n * DAY - timedelta(hours=5),
            state=MeetingState.HELD,
            attendance=Attendance.PRESENT,
        )
        make_meeting_log(db, meeting_id=regular, logged_at=NOW - n * DAY)
        make_feedback(
            db, meeting_id=regular, pupil_id=world.regular.id, rating=4, submitted_at=NOW - DAY
        )

        make_match_run_pupil(
            db,
            run=world.run,
            pupil=waiting,
            ambassador=other,
            alternatives=[{"ambassador_id": world.ambassador.id, "score": 0.9}],
        )
        unmatched = _pupil(db, world, "Uparret")
        make_match_run_pupil(
            db,
            run=world.run,
            pupil=unmatched,
            ambassador_id=None,
            score=None,
            explanation=None,
            unmatched_reason="capacity_used_up",
        )
        world.waiting.append(unmatched)

        applicant = make_ambassador(
            db,
            state=AmbassadorState.APPLIED,
            child_certificate_assessed_at=None,
            training_booked_at=None,
            training_completed_at=None,
        )
        world.applied.append(db.get_one(User, applicant.user_id))
        world.staff.append(
            make_user(
                db,
                role=Role.COORDINATOR,
                organisation_id=world.school.id,
                full_name=f"Lærer Nummer{n}",
                email=f"laerer{n}@skole.example.dk",
            )
        )
    db.flush()


def build(db: Session) -> World:
    school = make_school(db, code="SQC")
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation_id=school.id)
    admin = make_user(db, role=Role.ADMIN)
    ambassador = make_ambassador(db)
    regular = make_pupil(db, school=school, first_name="Fast", last_name="Elevsen")
    regular_match = make_match(
        db,
        pupil=regular,
        ambassador=ambassador,
        state=MatchState.ACCEPTED,
        responded_at=NOW - 60 * DAY,
    )
    run = make_match_run(db, created_by=counsellor, scope={"school_ids": [school.id], "grades": []})
    return World(
        school=school,
        counsellor=counsellor,
        coordinator=coordinator,
        admin=admin,
        ambassador=ambassador,
        run=run,
        ambassador_user=db.get_one(User, ambassador.user_id),
        regular=regular,
        regular_match_id=regular_match.id,
        enrolled=1,
    )


def _card(body: str, href: str) -> int:
    found = re.search(
        rf'<a href="{re.escape(html.escape(href))}"><span class="count">(\d+)</span>', body
    )
    assert found, f"no card for {href}"
    return int(found.group(1))


def _row_counts(body: str) -> list[str]:
    """The first number of each table row headed by a label."""
    rows: list[str] = re.findall(r'<tr><th scope="row">[^<]+</th>\s*<td>(\d+)</td>', body)
    assert rows, "no rows of counts"
    return rows


def _high_flags(body: str) -> int:
    """The dashboard's first row of flags by priority: the high ones."""
    return int(_row_counts(body)[0])


def _name(pupil: Pupil) -> str:
    return html.escape(f"{pupil.first_name} {pupil.last_name}")


@dataclass(frozen=True)
class Page:
    role: Role
    path: Callable[[World], str]
    # Whether the page shows what the grown municipality holds (raises AssertionError if not).
    shows: Callable[[World, str], bool]


def _unique_waiting(world: World) -> int:
    return len({pupil.id for pupil in world.waiting})


PAGES: dict[str, Page] = {
    "counsellor home": Page(
        Role.COUNSELLOR,
        lambda w: "/",
        lambda w, body: _card(body, "/followup/queues/unmatched") == _unique_waiting(w),
    ),
    "coordinator home": Page(
        Role.COORDINATOR,
        lambda w: "/",
        lambda w, body: _card(body, "/pupils?consent=missing") == w.without_consent,
    ),
    "ambassador home": Page(
        Role.AMBASSADOR,
        lambda w: "/",
        lambda w, body: _card(body, "/ambassador/mentees") == len(w.proposed_to_ambassador),
    ),
    "admin home": Page(
        Role.ADMIN,
        lambda w: "/",
        lambda w, body: _card(body, "/admin/ambassadors?state=applied") == len(w.applied),
    ),
    "follow-up dashboard": Page(
        Role.COUNSELLOR,
        lambda w: "/followup",
        lambda w, body: _high_flags(body) == w.flagged_high,
    ),
    "follow-up queue": Page(
        Role.COUNSELLOR,
        lambda w: "/followup/queues/unmatched",
        lambda w, body: all(_name(p) in body for p in w.waiting),
    ),
    "caseload": Page(
        Role.COUNSELLOR,
        lambda w: "/followup/caseload",
        # The school's total row comes last; its first cell is the pupils enrolled.
        lambda w, body: int(_row_counts(body)[-1]) == w.enrolled,
    ),
    "matching": Page(
        Role.COUNSELLOR,
        lambda w: "/matching",
        lambda w, body: html.escape(w.school.name) in body,
    ),
    "matching run preview": Page(
        Role.COUNSELLOR,
        lambda w: f"/matching/runs/{w.run.id}",
        lambda w, body: all(_name(p) in body for p in w.waiting),
    ),
    "ambassador's mentees": Page(
        Role.AMBASSADOR,
        lambda w: "/ambassador/mentees",
        lambda w, body: all(p.first_name in body for p in w.proposed_to_ambassador),
    ),
    "ambassador's meetings": Page(
        Role.AMBASSADOR,
        lambda w: "/ambassador/meetings",
        lambda w, body: body.count("Mentee") >= w.rounds,
    ),
    "school's meetings": Page(
        Role.COORDINATOR,
        lambda w: "/school/meetings",
        lambda w, body: all(_name(p) in body for p in w.school_meeting_pupils),
    ),
    "export of a school's pupils": Page(
        Role.COORDINATOR,
        lambda w: "/exports/download?dataset=pupils&school=SQC&format=csv",
        lambda w, body: body.count("\n") == w.enrolled + 1,
    ),
    "export of a school's meetings": Page(
        Role.COUNSELLOR,
        lambda w: "/exports/download?dataset=meetings&school=SQC&format=csv",
        lambda w, body: all(p.last_name in body for p in w.school_meeting_pupils),
    ),
    "admin's ambassadors": Page(
        Role.ADMIN,
        lambda w: "/admin/ambassadors",
        lambda w, body: all(html.escape(u.full_name) in body for u in w.applied),
    ),
    "admin's users": Page(
        Role.ADMIN,
        lambda w: "/admin/users",
        lambda w, body: all(u.email in body for u in w.staff),
    ),
    "pupil list": Page(
        Role.COUNSELLOR,
        lambda w: "/pupils",
        lambda w, body: all(_name(p) in body for p in w.waiting),
    ),
    "pupil search": Page(
        Role.COUNSELLOR,
        lambda w: "/pupils?q=ElevsenVente",
        lambda w, body: all(
            (_name(p) in body) == p.last_name.startswith("ElevsenVente") for p in w.waiting
        ),
    ),
    "pupil page": Page(
        Role.COUNSELLOR,
        lambda w: f"/pupils/{w.regular.id}",
        lambda w, body: _name(w.regular) in body,
    ),
}


def _count(client: TestClient, counter: QueryCounter, path: str) -> tuple[int, str]:
    client.get(path)  # warm: a session touch or a first lookup is not the page's cost
    counter.reset()
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return counter.count, response.text


@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_costs_the_same_statements_at_two_sizes(
    name: str,
    db: Session,
    client: TestClient,
    clock: FakeClock,
    query_counter: QueryCounter,
) -> None:
    page = PAGES[name]
    clock.now = NOW
    world = build(db)
    grow(db, world, SMALL)
    sign_in(client, db, world.user(page.role))
    small, body = _count(client, query_counter, page.path(world))
    assert page.shows(world, body), f"{name}: the page does not show the small data"

    grow(db, world, GROWTH)
    large, body = _count(client, query_counter, page.path(world))
    assert page.shows(world, body), f"{name}: the page does not show the grown data"
    assert large == small, f"{name}: {small} statements, then {large} with four times the data"
