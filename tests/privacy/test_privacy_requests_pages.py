"""The admin's pages for requests for access and erasure: the list (open first, overdue marked),
registering one (bad input gets a message next to the field, in Danish or English), the
request's page, marking an access request answered; admin only, CSRF on every change.
(tests/site/authorization_matrix.py tries every route as every role.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, PrivacyRequest, PrivacyRequestKind, Pupil, Role
from mentor.web.middleware import LOCALE_COOKIE
from tests.conftest import FakeClock
from tests.factories import make_privacy_request, make_pupil
from tests.web import csrf_token, log_in_as

URL = "/admin/privacy"


def _register(client: TestClient, **data: str) -> Response:
    return client.post(URL, data={**data, "csrf_token": csrf_token(client, URL)})


def _form(pupil: Pupil, **overrides: str) -> dict[str, str]:
    values = {
        "kind": "erasure",
        "subject": "pupil",
        "number": str(pupil.id),
        "requested_by": "Moren, på telefon",
        "received_on": "30.11.2026",
    }
    return values | overrides


def test_the_admin_sees_the_menu_item_and_the_requests_open_first(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    today = clock.now.date()
    done = make_privacy_request(
        db, requested_by="Afsluttet far", completed_at=clock.now, received_on=today
    )
    late = make_privacy_request(
        db,
        requested_by="Forsinket mor",
        received_on=today - timedelta(days=40),
        due_on=today - timedelta(days=9),
    )
    soon = make_privacy_request(
        db, requested_by="Snart mor", received_on=today, due_on=today + timedelta(days=30)
    )
    log_in_as(client, db, Role.ADMIN)

    page = client.get(URL)

    assert page.status_code == 200
    assert "Anmodninger om indsigt og sletning" in page.text
    assert 'href="/admin/privacy"' in page.text.split("<main", 1)[0]
    text = page.text
    assert text.index("Forsinket mor") < text.index("Snart mor") < text.index("Afsluttet far")
    late_row = text[text.index(f'href="/admin/privacy/{late.id}"') :].split("</tr>", 1)[0]
    soon_row = text[text.index(f'href="/admin/privacy/{soon.id}"') :].split("</tr>", 1)[0]
    assert "Overskredet" in late_row
    assert "Overskredet" not in soon_row
    assert f"Afsluttet {clock.now.strftime('%d.%m.%Y')}" in text
    assert done.id


def test_other_roles_see_no_menu_item(client: TestClient, db: Session) -> None:
    for role in (Role.COUNSELLOR, Role.COORDINATOR, Role.AMBASSADOR):
        client.cookies.clear()
        log_in_as(client, db, role)
        assert 'href="/admin/privacy"' not in client.get("/").text
        assert client.get(URL).status_code == 403


def test_registering_a_request_sets_its_due_date_and_is_logged(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    pupil = make_pupil(db, first_name="Rigmor")
    admin = log_in_as(client, db, Role.ADMIN)
    clock.now = clock.now.replace(year=2026, month=12, day=6)

    response = _register(client, **_form(pupil, received_on="31.10.2026"))

    assert response.status_code == 303
    request = db.scalars(select(PrivacyRequest)).one()
    assert response.headers["location"] == f"/admin/privacy/{request.id}"
    assert (request.kind, request.pupil_id, request.subject_label) == (
        PrivacyRequestKind.ERASURE,
        pupil.id,
        f"pupil #{pupil.id}",
    )
    assert (request.received_on, request.due_on) == (date(2026, 10, 31), date(2026, 11, 30))
    assert request.registered_by_id == admin.id
    page = client.get(response.headers["location"])
    assert "30.11.2026" in page.text
    assert "Overskredet" in page.text
    assert "Rigmor" in page.text
    events = db.scalars(select(AuditEvent).where(AuditEvent.pupil_id == pupil.id)).all()
    assert [(e.action, e.object_type) for e in events] == [
        ("create", "privacy_request"),
        ("read", "pupil"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "999999999", "Der er ingen elev med dette nummer."),
        ("number", str(2**63), "Tallet er for stort."),
        ("number", "tolv", "Skriv et helt tal."),
        ("received_on", "01.01.1800", "Skriv en dato mellem 01.01.1900 og 31.12.2100."),
        ("received_on", "31.02.2026", "Skriv en dato som 28.11.2026."),
        ("received_on", "01.01.2099", "Anmodningen kan ikke være modtaget efter i dag."),
        ("requested_by", "", "Feltet skal udfyldes."),
        ("requested_by", "x" * 201, "Teksten er for lang."),
        ("kind", "rectification", "Vælg en af mulighederne."),
        ("subject", "guardian", "Vælg en af mulighederne."),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field(
    client: TestClient, db: Session, field: str, value: str, message: str
) -> None:
    pupil = make_pupil(db)
    log_in_as(client, db, Role.ADMIN)

    response = _register(client, **_form(pupil, **{field: value}))

    assert response.status_code == 422
    text = response.text
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in text
    assert 'value="Moren, på telefon"' in text or field == "requested_by"
    assert db.scalars(select(PrivacyRequest)).all() == []


def test_the_messages_are_in_english_for_an_english_user(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")

    response = _register(client, **_form(make_pupil(db), number="999999999"))

    assert "There is no pupil with this number." in response.text
    assert "Requests for access and erasure" in response.text


def test_unknown_and_impossible_ids_are_not_found(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    for path in ("999999999", str(2**31), str(2**63), "-1", "abc"):
        assert client.get(f"{URL}/{path}").status_code == 404, path
        assert client.get(f"{URL}/{path}/export.json").status_code == 404, path
    token = csrf_token(client, URL)
    assert client.post(f"{URL}/{2**63}/erase", data={"csrf_token": token}).status_code == 404


def test_an_access_request_is_marked_answered_once(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    request = make_privacy_request(db, kind=PrivacyRequestKind.ACCESS)
    admin = log_in_as(client, db, Role.ADMIN)
    page = client.get(f"{URL}/{request.id}")
    assert f'href="/admin/privacy/{request.id}/export.json"' in page.text
    assert f'action="/admin/privacy/{request.id}/complete"' in page.text
    token = csrf_token(client, URL)

    done = client.post(f"{URL}/{request.id}/complete", data={"csrf_token": token})
    again = client.post(f"{URL}/{request.id}/complete", data={"csrf_token": token})

    assert done.status_code == 303
    assert again.status_code == 409
    db.expire_all()
    answered = db.get_one(PrivacyRequest, request.id)
    assert (answered.completed_at, answered.completed_by_id) == (clock.now, admin.id)
    assert "Afsluttet" in client.get(f"{URL}/{request.id}").text


def test_an_erasure_without_a_csrf_token_is_refused_and_deletes_nothing(
    client: TestClient, db: Session
) -> None:
    pupil = make_pupil(db)
    request = make_privacy_request(db, pupil=pupil, kind=PrivacyRequestKind.ERASURE)
    log_in_as(client, db, Role.ADMIN)

    response = client.post(f"{URL}/{request.id}/erase", data={"reason": "x", "confirmed": "1"})

    assert response.status_code == 403
    db.expire_all()
    assert db.get(Pupil, pupil.id) is not None


def test_an_erasure_request_whose_pupil_is_gone_is_marked_answered(
    client: TestClient, db: Session
) -> None:
    pupil = make_pupil(db)
    gone = make_privacy_request(db, pupil=pupil, kind=PrivacyRequestKind.ERASURE)
    waiting = make_privacy_request(db, kind=PrivacyRequestKind.ERASURE)
    pupil_id = pupil.id
    db.delete(pupil)
    db.flush()
    db.expire_all()
    log_in_as(client, db, Role.ADMIN)
    token = csrf_token(client, URL)

    page = client.get(f"{URL}/{gone.id}")
    done = client.post(f"{URL}/{gone.id}/complete", data={"csrf_token": token})
    refused = client.post(f"{URL}/{waiting.id}/complete", data={"csrf_token": token})

    assert "Elevens data er allerede slettet." in page.text
    assert f"Elev nr. {pupil_id}" in page.text
    assert done.status_code == 303
    assert refused.status_code == 409  # erased through its own page, not marked done
