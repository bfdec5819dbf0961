"""The meeting pages over HTTP: proposing with suggested times, the school's answer, moving and
cancelling, who sees what, and hostile input that must never give a 5xx."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import (
    Attendance,
    AuditEvent,
    Meeting,
    MeetingState,
    OutboxEmail,
    Role,
)
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_counsellor_school,
    make_meeting,
    make_meeting_participant,
    make_user,
)
from tests.meetings.booking_helpers import NOW, Mentoring, local, mentoring
from tests.web import post_form, sign_in

NEW = "/ambassador/meetings/new"


@pytest.fixture
def m(db: Session, clock: FakeClock) -> Mentoring:
    clock.now = NOW
    return mentoring(db, mentees=2)


def _form(m: Mentoring, **overrides: str) -> dict[str, str]:
    return {
        f"match_{m.match_ids[0]}": "1",
        "kind": "one_to_one",
        "place": "school",
        "date": "2026-11-03",
        "time": "14:00",
        "minutes": "45",
        **overrides,
    }


def _meetings(db: Session) -> int:
    return db.scalar(select(func.count(Meeting.id))) or 0


def test_the_ambassador_proposes_from_a_mentee_card_with_suggested_times(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    sign_in(client, db, m.ambassador_user)
    page = client.get(f"{NEW}?match={m.match_ids[0]}")
    assert page.status_code == 200
    assert "Foreslå et møde" in page.text
    assert f'name="match_{m.match_ids[0]}" value="1" checked' in page.text
    # The first free time: tomorrow (Tuesday) at 13:00, as a link that fills the form.
    assert "03.11.2026 13:00" in page.text
    assert "date=2026-11-03&amp;time=13%3A00" in page.text

    response = post_form(client, NEW, _form(m), token_from=NEW)
    assert response.status_code == 303, response.text
    meeting = db.scalars(select(Meeting)).one()
    assert response.headers["location"] == f"/meetings/{meeting.id}"
    assert meeting.state is MeetingState.PENDING
    assert meeting.starts_at == local(2026, 11, 3, 14)
    shown = client.get(f"/meetings/{meeting.id}").text
    assert "Venter på skolens bekræftelse" in shown
    assert "Elev0" in shown
    assert "Flyt mødet" in shown
    listed = client.get("/ambassador/meetings").text
    assert "03.11.2026 14:00" in listed


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"date": "2026-11-02", "time": "09:00"}, "date", "Tidspunktet er overstået"),
        ({"date": "0001-01-01"}, "date", "Tidspunktet er overstået"),
        ({"date": "9999-12-31", "time": "23:59"}, "date", "højst et år frem"),
        ({"date": "31.02.2027"}, "date", "Skriv en dato"),
        ({"time": "25:99"}, "date", "Skriv et tidspunkt"),
        ({"time": "10:00"}, "date", "uden for ambassadørens faste tider"),
        ({"minutes": "999999999999999999999"}, "minutes", "fra 15 til 120 minutter"),
        ({"location": "x" * 10_000}, "location", "højst 200 tegn"),
        ({"location": "Lokale 3\x00"}, "location", "tegn, der ikke er tilladt"),
        ({"location": "CPR 311208-1234"}, "location", "CPR-numre"),
        ({"kind": "tea_party"}, "kind", "Vælg en af mulighederne"),
        ({"place": "online"}, "online_url", "https://"),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_written(
    db: Session,
    client: TestClient,
    m: Mentoring,
    overrides: dict[str, str],
    field: str,
    says: str,
) -> None:
    sign_in(client, db, m.ambassador_user)
    response = post_form(client, NEW, _form(m, **overrides), token_from=NEW)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert says in response.text
    assert _meetings(db) == 0
    assert db.scalar(select(func.count(OutboxEmail.id))) == 0


def test_a_meeting_with_someone_elses_pupil_is_refused(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    other = mentoring(db, mentees=1)
    sign_in(client, db, m.ambassador_user)
    form = {**_form(m), f"match_{other.match_ids[0]}": "1"}
    form.pop(f"match_{m.match_ids[0]}")
    response = post_form(client, NEW, form, token_from=NEW)
    assert response.status_code == 422
    assert "dine egne elever" in response.text
    assert _meetings(db) == 0


def _book(db: Session, client: TestClient, m: Mentoring) -> Meeting:
    sign_in(client, db, m.ambassador_user)
    assert post_form(client, NEW, _form(m), token_from=NEW).status_code == 303
    client.cookies.clear()
    return db.scalars(select(Meeting)).one()


def test_the_coordinator_confirms_or_declines_from_the_school_list(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    meeting = _book(db, client, m)
    sign_in(client, db, m.coordinator)
    listed = client.get("/school/meetings").text
    assert "Venter på skolens svar" in listed
    assert "Elev0 " in listed  # full names for the school
    assert post_form(client, f"/meetings/{meeting.id}/confirm?from=school", {}).status_code == 303
    db.refresh(meeting)
    assert meeting.state is MeetingState.SCHEDULED

    second = _second_meeting(db, client, m)
    sign_in(client, db, m.coordinator)
    empty = post_form(client, f"/meetings/{second.id}/decline", {"reason": "  "})
    assert empty.status_code == 422
    assert 'id="decline_reason-error"' in empty.text
    db.refresh(second)
    assert second.state is MeetingState.PENDING
    declined = post_form(
        client, f"/meetings/{second.id}/decline", {"reason": "Klassen er på lejrskole"}
    )
    assert declined.status_code == 303
    db.refresh(second)
    assert second.state is MeetingState.DECLINED
    assert "Klassen er på lejrskole" in client.get(f"/meetings/{second.id}").text


def _second_meeting(db: Session, client: TestClient, m: Mentoring) -> Meeting:
    sign_in(client, db, m.ambassador_user)
    form = _form(m, date="2026-11-04")
    assert post_form(client, NEW, form, token_from=NEW).status_code == 303
    client.cookies.clear()
    return db.scalars(select(Meeting).order_by(Meeting.id.desc())).first()  # type: ignore[return-value]


def test_the_ambassador_moves_and_cancels_with_a_reason(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    meeting = _book(db, client, m)
    sign_in(client, db, m.ambassador_user)
    page = f"/meetings/{meeting.id}"
    refused = post_form(
        client, f"{page}/move", {"date": "2026-11-05", "time": "14:00", "minutes": "60"}
    )
    assert refused.status_code == 422
    assert 'id="move_reason-error"' in refused.text
    moved = post_form(
        client,
        f"{page}/move",
        {"date": "2026-11-05", "time": "14:00", "minutes": "60", "reason": "Eksamen"},
    )
    assert moved.status_code == 303
    db.refresh(meeting)
    assert meeting.starts_at == local(2026, 11, 5, 14)
    assert meeting.sequence == 1
    cancelled = post_form(client, f"{page}/cancel", {"reason": "Jeg er syg"})
    assert cancelled.status_code == 303
    db.refresh(meeting)
    assert meeting.state is MeetingState.CANCELLED
    again = post_form(client, f"{page}/cancel", {"reason": "Igen"}, token_from=page)
    assert again.status_code == 303
    assert "Intet blev ændret" in client.get(page).text


def test_who_sees_a_meeting_and_who_may_act_on_it(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    meeting = _book(db, client, m)
    page = f"/meetings/{meeting.id}"
    other = mentoring(db, mentees=1)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=m.school)
    outsider = make_user(db, role=Role.COUNSELLOR)

    for stranger in (other.ambassador_user, other.coordinator, outsider):
        sign_in(client, db, stranger)
        assert client.get(page).status_code == 404
        assert post_form(client, f"{page}/cancel", {"reason": "x"}).status_code == 404
        assert post_form(client, f"{page}/confirm", {}).status_code == 404
        client.cookies.clear()

    sign_in(client, db, counsellor)
    seen = client.get(page)
    assert seen.status_code == 200
    assert "Bekræft mødet" not in seen.text
    assert post_form(client, f"{page}/confirm", {}).status_code == 403
    assert post_form(client, f"{page}/cancel", {"reason": "x"}).status_code == 403
    db.refresh(meeting)
    assert meeting.state is MeetingState.PENDING
    assert "Elev0" in client.get("/school/meetings").text
    client.cookies.clear()

    sign_in(client, db, m.coordinator)
    assert post_form(client, f"{page}/move", {"reason": "x"}).status_code == 403


def test_the_school_list_costs_the_same_queries_however_many_meetings(
    db: Session, client: TestClient, m: Mentoring, query_counter: QueryCounter
) -> None:
    _book(db, client, m)
    sign_in(client, db, m.coordinator)
    client.get("/school/meetings")
    query_counter.reset()
    assert client.get("/school/meetings").status_code == 200
    one = query_counter.count

    busy = mentoring(db, mentees=6, school=m.school)
    for n, match_id in enumerate(busy.match_ids):
        sign_in(client, db, busy.ambassador_user)
        form = {
            f"match_{match_id}": "1",
            "kind": "one_to_one",
            "place": "school",
            "date": [
                "2026-11-10",
                "2026-11-11",
                "2026-11-12",
                "2026-11-13",
                "2026-11-16",
                "2026-11-17",
            ][n],
            "time": "14:00",
            "minutes": "30",
        }
        assert post_form(client, NEW, form, token_from=NEW).status_code == 303
    client.cookies.clear()
    assert _meetings(db) == 7
    sign_in(client, db, m.coordinator)
    client.get("/school/meetings")
    query_counter.reset()
    assert client.get("/school/meetings").status_code == 200
    assert query_counter.count == one


def test_a_match_is_in_progress_after_its_first_held_meeting(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=m.school)
    sign_in(client, db, m.ambassador_user)
    assert "I gang" not in client.get("/ambassador/mentees").text
    held = make_meeting(
        db,
        ambassador=m.ambassador,
        school=m.school,
        state=MeetingState.HELD,
        starts_at=local(2026, 10, 27, 14),
    )
    make_meeting_participant(
        db,
        meeting=held,
        pupil_id=m.pupil_ids[0],
        match_id=m.match_ids[0],
        attendance=Attendance.PRESENT,
    )
    cards = client.get("/ambassador/mentees").text
    assert cards.count("I gang") == 1
    client.cookies.clear()
    sign_in(client, db, counsellor)
    page = client.get(f"/pupils/{m.pupil_ids[0]}").text
    assert "I gang" in page
    assert f'href="/meetings/{held.id}"' in page
    assert "I gang" not in client.get(f"/pupils/{m.pupil_ids[1]}").text


def test_home_pages_point_to_the_meetings(db: Session, client: TestClient, m: Mentoring) -> None:
    _book(db, client, m)
    sign_in(client, db, m.coordinator)
    home = client.get("/").text
    assert '<span class="count">1</span> møde venter på din bekræftelse' in home
    assert 'href="/school/meetings"' in home
    client.cookies.clear()
    sign_in(client, db, m.ambassador_user)
    assert 'href="/ambassador/meetings"' in client.get("/").text


def test_every_view_of_a_meeting_page_is_audited_for_each_pupil(
    db: Session, client: TestClient, m: Mentoring
) -> None:
    meeting = _book(db, client, m)
    sign_in(client, db, m.coordinator)
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    reads = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "read",
            AuditEvent.object_type == "meeting",
            AuditEvent.actor_id == m.coordinator.id,
        )
    ).all()
    assert [(event.object_id, event.pupil_id) for event in reads] == [
        (str(meeting.id), m.pupil_ids[0])
    ]
