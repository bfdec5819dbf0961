"""Counsellors' notes on a pupil: who writes and reads them, what is refused, the audit trail,
and the canary that proves a note never reaches a coordinator or an ambassador."""

from __future__ import annotations

import io
import logging
import re
import zipfile

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.matches import exit_questions
from mentor.models import AuditEvent, Note, OutboxEmail, PupilLink, PupilLinkPurpose, Role
from tests.conftest import FakeClock
from tests.factories import make_counsellor_school, make_note, make_user
from tests.pupils.casework import Casework, casework
from tests.site.test_authorization import app_routes
from tests.web import post_form, sign_in

CANARY = "KANARIE-NOTE-7f3a"


def _notes(db: Session) -> int:
    return db.scalar(select(func.count(Note.id))) or 0


@pytest.fixture
def case(db: Session) -> Casework:
    return casework(db)


def test_a_counsellor_writes_a_note_and_reads_the_notes_newest_first(
    db: Session, client: TestClient, case: Casework, clock: FakeClock
) -> None:
    make_note(db, pupil=case.pupil, author=case.counsellor, body="Den første note.")
    clock.advance(minutes=5)
    sign_in(client, db, case.counsellor)
    response = post_form(client, f"/pupils/{case.pupil.id}/notes", {"body": "  Ringede hjem.  "})
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/pupils/{case.pupil.id}")

    note = db.scalars(select(Note).order_by(Note.id.desc())).first()
    assert note is not None
    assert (note.body, note.author_id, note.pupil_id) == (
        "Ringede hjem.",
        case.counsellor.id,
        case.pupil.id,
    )
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "note", AuditEvent.action == "create")
    ).one()
    assert event.pupil_id == case.pupil.id
    assert "Ringede" not in str(event.details)

    page = client.get(f"/pupils/{case.pupil.id}").text
    assert "Noter" in page
    assert page.index("Ringede hjem.") < page.index("Den første note.")
    assert "Karen Vejleder" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Skriv noten."),
        ("   ", "Skriv noten."),
        ("x" * 2001, "Højst 2000 tegn"),
        ("Ring til far, cpr 010203-1234", "CPR"),
        ("nul\x00byte", "tegn, der ikke er tilladt"),
        ("y" * 10_000, "Højst 2000 tegn"),
    ],
)
def test_a_bad_note_comes_back_with_the_text_and_writes_nothing(
    db: Session, client: TestClient, case: Casework, body: str, message: str
) -> None:
    sign_in(client, db, case.counsellor)
    before = _notes(db)
    response = post_form(client, f"/pupils/{case.pupil.id}/notes", {"body": body})
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    if body.strip() and "\x00" not in body:
        assert body[:50] in response.text
    assert _notes(db) == before


def test_only_the_pupils_counsellors_write_notes(
    db: Session, client: TestClient, case: Casework
) -> None:
    for user in (case.coordinator, case.ambassador_user, make_user(db, role=Role.ADMIN)):
        sign_in(client, db, user)
        response = post_form(client, f"/pupils/{case.pupil.id}/notes", {"body": "Hej"})
        assert response.status_code == 403
    other = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=other)
    sign_in(client, db, other)
    assert post_form(client, f"/pupils/{case.pupil.id}/notes", {"body": "Hej"}).status_code == 404
    assert post_form(client, "/pupils/99999999999/notes", {"body": "Hej"}).status_code == 404
    assert _notes(db) == 0


def test_a_coordinator_sees_no_notes_section(
    db: Session, client: TestClient, case: Casework
) -> None:
    make_note(db, pupil=case.pupil, author=case.counsellor, body="Kun for vejledere.")
    sign_in(client, db, case.coordinator)
    page = client.get(f"/pupils/{case.pupil.id}")
    assert page.status_code == 200
    assert "Kun for vejledere." not in page.text
    assert f"/pupils/{case.pupil.id}/notes" not in page.text


# The canary


PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


def _queue_keys() -> list[str]:
    try:
        from mentor.followup.queues import QueueKey
    except ImportError:  # the dashboard is another part of the issue
        return ["flags"]
    return [key.value for key in QueueKey]


def _urls(app: FastAPI, case: Casework, token: str) -> list[str]:
    ids = {
        "pupil_id": case.pupil.id,
        "match_id": case.match.id,
        "meeting_id": case.meeting.id,
        "school_id": case.school.id,
        "organisation_id": case.school.id,
        "ambassador_id": case.ambassador.id,
        "user_id": case.coordinator.id,
        "token": token,
    }
    urls: list[str] = []
    for method, path in sorted(app_routes(app)):
        if method != "GET":
            continue
        names = PARAMETER.findall(path)
        if "key" in names:
            urls += [path.replace("{key}", key) for key in _queue_keys()]
            continue
        urls.append(PARAMETER.sub(lambda m: str(ids.get(m.group(1), 1)), path))
    for dataset in ("pupils", "matches", "meetings", "waiting"):
        for file_format in ("csv", "xlsx"):
            urls.append(
                f"/exports/download?dataset={dataset}&school={case.school.code}"
                f"&format={file_format}"
            )
    return urls


def _browser(app: FastAPI) -> TestClient:
    # A page that fails for a reason of its own (a 500) still shows no note: the sweep goes on.
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )


def _sweep(client: TestClient, urls: list[str]) -> int:
    """Fetch every page and fragment; the number of pages that answered with a body."""
    seen = 0
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert CANARY not in response.content.decode("utf-8", "replace"), url
            seen += bool(response.content)
            if response.content[:2] == b"PK":
                # An XLSX is a zip: look inside.
                with zipfile.ZipFile(io.BytesIO(response.content)) as book:
                    for name in book.namelist():
                        assert CANARY.encode() not in book.read(name), url
    return seen


def test_a_notes_text_never_reaches_a_coordinator_or_an_ambassador(
    app: FastAPI, db: Session, client: TestClient, case: Casework, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(client, db, case.counsellor)
    response = post_form(client, f"/pupils/{case.pupil.id}/notes", {"body": f"Hemmelig {CANARY}"})
    assert response.status_code == 303
    assert CANARY in client.get(f"/pupils/{case.pupil.id}").text  # the counsellor reads it

    # Everything else a counsellor does with the pupil, which writes e-mails and pages.
    resolved = post_form(
        client, f"/meetings/{case.meeting.id}/log/resolve", {"resolution": "Talt med eleven."}
    )
    assert resolved.status_code == 303

    urls = _urls(app, case, token="A" * 22)
    for user in (case.coordinator, case.ambassador_user):
        with _browser(app) as browser:
            sign_in(browser, db, user)
            assert _sweep(browser, urls) > 20
            # Signed in and looking at the pupil's own data (the coordinator the whole page).
            expected = 200 if user is case.coordinator else 403
            assert browser.get(f"/pupils/{case.pupil.id}").status_code == expected
            assert browser.get(f"/meetings/{case.meeting.id}").status_code == 200

    # The match closes, with both exit questions: e-mails, the exit pages, the links list.
    sign_in(client, db, case.counsellor)
    ended = post_form(
        client,
        f"/pupils/{case.pupil.id}/matches/{case.match.id}/end",
        {"reason": "ambassador_left", "ask_pupil": "1", "ask_ambassador": "1"},
    )
    assert ended.status_code == 303
    link = db.scalars(select(PupilLink).where(PupilLink.purpose == PupilLinkPurpose.EXIT)).one()
    exit_url = exit_questions.link_url(app.state.settings, link)
    assert exit_url is not None
    urls.append(exit_url.removeprefix(app.state.settings.base_url))
    for user in (case.coordinator, case.ambassador_user):
        with _browser(app) as browser:
            sign_in(browser, db, user)
            _sweep(browser, urls)

    bodies = db.scalars(select(OutboxEmail.subject + " " + OutboxEmail.body_text)).all()
    assert len(bodies) >= 2
    assert all(CANARY not in body for body in bodies)
    events = db.scalars(select(AuditEvent.details)).all()
    assert all(CANARY not in str(details) for details in events)
    assert CANARY not in caplog.text
