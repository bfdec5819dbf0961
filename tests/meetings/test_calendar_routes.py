"""A meeting's .ics for its participants, the personal feed, and the account page that makes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.links import hash_token
from mentor.models import (
    Ambassador,
    AuditEvent,
    Meeting,
    MeetingState,
    Organisation,
    Role,
    User,
)
from tests.conftest import FakeClock
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import csrf_token, log_in_as, post_form, sign_in

FEED_URL = re.compile(r'value="https://testserver/calendar/([A-Za-z0-9_-]+)\.ics"')


@dataclass
class School:
    school: Organisation
    coordinator: User
    counsellor: User
    ambassador: Ambassador
    ambassador_user: User
    meeting: Meeting


def _school(db: Session, clock: FakeClock, *, pupil: str = "Emma Holm") -> School:
    school = make_school(db)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=school)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    ambassador_user = make_user(db, role=Role.AMBASSADOR, full_name="Sofie Kjær Lund")
    ambassador = make_ambassador(db, user=ambassador_user)
    meeting = make_meeting(
        db, ambassador=ambassador, school=school, starts_at=clock.now + timedelta(days=3)
    )
    first, last = pupil.split()
    make_meeting_participant(
        db, meeting=meeting, pupil=make_pupil(db, school=school, first_name=first, last_name=last)
    )
    return School(school, coordinator, counsellor, ambassador, ambassador_user, meeting)


def _events(data: bytes) -> dict[str, str]:
    """UID → SUMMARY of every event in a calendar."""
    calendar = Calendar.from_ical(data)
    return {str(e["UID"]): str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}


# A meeting's .ics


@pytest.mark.parametrize("who", ["ambassador_user", "coordinator", "counsellor"])
def test_the_participants_download_the_meetings_ics(
    client: TestClient, db: Session, clock: FakeClock, who: str
) -> None:
    here = _school(db, clock)
    sign_in(client, db, getattr(here, who))

    response = client.get(f"/meetings/{here.meeting.id}.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="meeting-{here.meeting.id}.ics"'
    )
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == here.meeting.uid
    assert int(event["SEQUENCE"]) == here.meeting.sequence
    assert str(event["SUMMARY"]) == "Ambassadørmøde: Sofie med Emma"
    # First names only: no surname of the pupil or the ambassador anywhere in the file.
    assert b"Holm" not in response.content
    assert b"Lund" not in response.content


@pytest.mark.parametrize("who", ["ambassador_user", "coordinator", "counsellor"])
def test_other_schools_staff_and_other_ambassadors_get_404(
    client: TestClient, db: Session, clock: FakeClock, who: str
) -> None:
    here, there = _school(db, clock), _school(db, clock)
    sign_in(client, db, getattr(there, who))

    response = client.get(f"/meetings/{here.meeting.id}.ics")

    assert response.status_code == 404
    assert client.get(f"/meetings/{there.meeting.id}.ics").status_code == 200


def test_admins_are_refused_and_visitors_are_asked_to_log_in(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    here = _school(db, clock)
    assert client.get(f"/meetings/{here.meeting.id}.ics").status_code == 303
    log_in_as(client, db, Role.ADMIN)
    assert client.get(f"/meetings/{here.meeting.id}.ics").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/meetings/0.ics",
        "/meetings/2147483648.ics",
        "/meetings/9223372036854775807.ics",
        "/meetings/9223372036854775808.ics",
        "/meetings/99999999999999999999999999.ics",
        "/meetings/-1.ics",
        "/meetings/abc.ics",
        "/meetings/1.ics.ics",
    ],
)
def test_a_bad_meeting_id_is_404(client: TestClient, db: Session, path: str) -> None:
    log_in_as(client, db, Role.AMBASSADOR)

    assert client.get(path).status_code == 404


# The account page and the personal feed


def _create_feed(client: TestClient) -> str:
    response = post_form(client, "/account/calendar/renew", {}, token_from="/account")
    assert response.status_code == 200
    assert "vises kun denne ene gang" in response.text
    match = FEED_URL.search(response.text)
    assert match, response.text
    return match.group(1)


def test_the_account_page_shows_who_you_are(client: TestClient, db: Session) -> None:
    user = log_in_as(client, db, Role.COORDINATOR, full_name="Karin Bech")

    page = client.get("/account")

    assert page.status_code == 200
    assert "<h1>Min konto</h1>" in page.text
    assert user.email in page.text
    assert "Du har ingen kalenderfeed." in page.text
    assert 'href="/account"' in client.get("/").text


def test_an_admin_has_an_account_page_without_a_feed(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    page = client.get("/account")

    assert page.status_code == 200
    assert "/account/calendar/renew" not in page.text


def test_the_feed_holds_only_the_users_meetings_with_first_names(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    here, there = _school(db, clock, pupil="Emma Holm"), _school(db, clock, pupil="Ali Yilmaz")
    sign_in(client, db, here.ambassador_user)

    token = _create_feed(client)
    client.cookies.clear()  # the feed needs no login
    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert _events(response.content) == {here.meeting.uid: "Ambassadørmøde: Sofie med Emma"}
    assert there.meeting.uid.encode() not in response.content
    assert b"Holm" not in response.content
    user = db.get_one(User, here.ambassador_user.id)
    db.refresh(user)
    assert user.calendar_token_hash == hash_token(token)
    assert token not in (user.calendar_token_hash or "")


@pytest.mark.parametrize("who", ["coordinator", "counsellor"])
def test_staff_feeds_hold_their_schools_meetings(
    client: TestClient, db: Session, clock: FakeClock, who: str
) -> None:
    here, there = _school(db, clock), _school(db, clock)
    sign_in(client, db, getattr(here, who))

    token = _create_feed(client)

    assert set(_events(client.get(f"/calendar/{token}.ics").content)) == {here.meeting.uid}
    assert there.meeting.uid


def test_old_meetings_and_long_cancelled_ones_leave_the_feed(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    here = _school(db, clock)
    ambassador, school = here.ambassador, here.school

    def meeting(days: int, state: MeetingState = MeetingState.SCHEDULED) -> str:
        starts = clock.now + timedelta(days=days)
        ended = state in (MeetingState.CANCELLED, MeetingState.DECLINED)
        row = make_meeting(
            db,
            ambassador=ambassador,
            school=school,
            starts_at=starts,
            state=state,
            cancelled_at=starts - timedelta(days=1) if ended else None,
        )
        return row.uid

    held_lately = meeting(-20, MeetingState.HELD)
    held_long_ago = meeting(-120, MeetingState.HELD)
    cancelled_lately = meeting(-10, MeetingState.CANCELLED)
    cancelled_long_ago = meeting(-40, MeetingState.CANCELLED)
    declined_ahead = meeting(10, MeetingState.DECLINED)
    sign_in(client, db, here.ambassador_user)
    token = _create_feed(client)

    calendar = Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)

    statuses = {str(e["UID"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert statuses == {
        here.meeting.uid: "CONFIRMED",
        held_lately: "CONFIRMED",
        cancelled_lately: "CANCELLED",
        declined_ahead: "CANCELLED",
    }
    assert held_long_ago not in statuses
    assert cancelled_long_ago not in statuses


def test_renewing_stops_the_old_address_and_revoking_stops_the_feed(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    here = _school(db, clock)
    sign_in(client, db, here.ambassador_user)

    first = _create_feed(client)
    page = client.get("/account")
    assert first not in page.text  # shown once, never again
    assert "Du har en kalenderfeed" in page.text
    second = _create_feed(client)

    assert second != first
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200

    revoked = post_form(client, "/account/calendar/revoke", {}, token_from="/account")
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/account"
    assert "Din kalenderfeed er tilbagekaldt" in client.get("/account").text
    assert client.get(f"/calendar/{second}.ics").status_code == 404

    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.actor_id == here.ambassador_user.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["calendar_feed_created", "calendar_feed_renewed", "calendar_feed_revoked"]


def test_a_disabled_users_feed_stops(client: TestClient, db: Session, clock: FakeClock) -> None:
    here = _school(db, clock)
    sign_in(client, db, here.coordinator)
    token = _create_feed(client)

    here.coordinator.is_active = False
    db.flush()

    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "æøå-ü-東京", "x" * 10_000, "%00", "..%2F..%2Fetc", " ", hash_token("x")],
)
def test_an_unknown_token_is_404(client: TestClient, db: Session, token: str) -> None:
    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 404


def test_the_token_is_the_hash_not_the_stored_value(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    here = _school(db, clock)
    sign_in(client, db, here.ambassador_user)
    _create_feed(client)
    db.refresh(here.ambassador_user)
    stored = here.ambassador_user.calendar_token_hash

    # Knowing the stored hash (a leaked database) opens nothing.
    assert stored is not None
    assert client.get(f"/calendar/{stored}.ics").status_code == 404


def test_feed_buttons_need_a_csrf_token(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.AMBASSADOR)
    csrf_token(client, "/account")

    response = client.post("/account/calendar/renew")

    assert response.status_code == 403


def test_the_ics_and_the_meetings_page_do_not_take_each_others_paths(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    here = _school(db, clock)
    sign_in(client, db, here.ambassador_user)

    ics = client.get(f"/meetings/{here.meeting.id}.ics")
    page = client.get(f"/meetings/{here.meeting.id}")

    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert page.headers["content-type"].startswith("text/html")
    assert page.status_code in (200, 404), page.status_code  # 404 until the page exists
