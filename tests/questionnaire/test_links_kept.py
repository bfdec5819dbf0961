"""A link already sent keeps working: showing it never makes a new one, sending to a class skips
pupils who have answered or whose link works, and a new link for one pupil is asked first."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import OutboxEmail, PupilLink
from tests.conftest import SmtpServer
from tests.factories import make_pupil_link, make_school
from tests.pages import main_text
from tests.questionnaire.helpers import LINK, coordinator_of, pupil_in
from tests.web import csrf_token


def _links(db: Session, pupil_id: int) -> list[PupilLink]:
    return list(
        db.scalars(select(PupilLink).where(PupilLink.pupil_id == pupil_id).order_by(PupilLink.id))
    )


def _send_class(client: TestClient, school_id: int, delivery: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/questionnaire/schools/{school_id}/send",
        data={
            "delivery": delivery,
            "scope": "class",
            "class_name": "8.A",
            "csrf_token": csrf_token(client, f"/questionnaire/schools/{school_id}"),
        },
    )


def test_showing_the_link_and_qr_code_keeps_the_emailed_link_working(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    pupil = pupil_in(db, school, first_name="Freja", email="freja@elev.dk")
    coordinator_of(client, db, school)
    _send_class(client, school.id, "email")
    [message] = smtp_server.wait_for(1)
    [emailed] = LINK.findall(SmtpServer.text_of(message))

    shown = client.get(f"/questionnaire/pupils/{pupil.id}/link")

    assert shown.status_code == 200
    page = main_text(shown)
    assert emailed in shown.text  # the same link, not a new one
    assert shown.text.count('<svg role="img"') == 1
    assert "Det ændrer ikke linket at vise det." in page
    [link] = _links(db, pupil.id)
    assert link.revoked_at is None
    pupil_client = TestClient(client.app, base_url="https://testserver")
    assert pupil_client.get(f"/q/{emailed}").status_code == 200


def test_a_link_that_cannot_be_shown_again_says_when_it_was_made(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = pupil_in(db, school)
    make_pupil_link(db, pupil=pupil)  # a random token: only its hash is kept
    coordinator_of(client, db, school)

    shown = client.get(f"/questionnaire/pupils/{pupil.id}/link")

    assert shown.status_code == 200
    assert "kan ikke vises her" in main_text(shown)
    assert '<svg role="img"' not in shown.text
    assert 'value="sheet"' in shown.text  # "Make a new link", asked first
    [link] = _links(db, pupil.id)
    assert link.revoked_at is None


def test_a_new_link_is_asked_first_and_says_the_old_one_stops_working(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    pupil = pupil_in(db, school, first_name="Ida", last_name="Holm", email="ida@elev.dk")
    coordinator_of(client, db, school)
    first = LINK.findall(_send_class(client, school.id, "sheet").text)[0]
    data = {"delivery": "email", "next": "/pupils", "csrf_token": csrf_token(client, "/")}

    asked = client.post(f"/questionnaire/pupils/{pupil.id}/send", data=data)

    assert asked.status_code == 200
    question = main_text(asked)
    assert "Lav et nyt link til Ida Holm?" in question
    assert "holder op med at virke med det samme" in question
    assert "Det sendes med e-mail til ida@elev.dk." in question
    assert 'name="confirmed" value="1"' in asked.text
    assert 'name="csrf_token"' in asked.text
    [kept] = _links(db, pupil.id)
    assert kept.revoked_at is None
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 0

    made = client.post(f"/questionnaire/pupils/{pupil.id}/send", data=data | {"confirmed": "1"})

    assert made.status_code == 200
    db.expire_all()  # revoked by a bulk UPDATE
    old, new = _links(db, pupil.id)
    assert old.revoked_at is not None
    assert new.revoked_at is None
    assert smtp_server.wait_for(1)[0]["To"] == "ida@elev.dk"
    pupil_client = TestClient(client.app, base_url="https://testserver")
    assert pupil_client.get(f"/q/{first}").status_code == 410


def test_sending_to_a_class_skips_who_answered_and_who_has_a_working_link(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    answered = [pupil_in(db, school, questionnaire_completed_at=utcnow()) for _ in range(2)]
    linked = pupil_in(db, school)
    make_pupil_link(db, pupil=linked)
    expired = pupil_in(db, school)
    make_pupil_link(
        db,
        pupil=expired,
        created_at=utcnow() - timedelta(days=40),
        expires_at=utcnow() - timedelta(days=10),
    )
    fresh = [pupil_in(db, school) for _ in range(2)]
    coordinator_of(client, db, school)

    response = _send_class(client, school.id, "email")

    assert response.status_code == 200
    page = main_text(response)
    assert "Sendt til 3 elever." in page
    assert "Sprunget over: 2, som har svaret." in page
    assert "Sprunget over: 1, som allerede har et link, der virker." in page
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 3
    for pupil in answered:
        assert _links(db, pupil.id) == []
    [kept] = _links(db, linked.id)
    assert kept.revoked_at is None
    assert len(_links(db, expired.id)) == 2
    for pupil in fresh:
        assert len(_links(db, pupil.id)) == 1
    assert len(smtp_server.wait_for(3)) == 3
