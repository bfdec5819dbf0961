"""Staff send the questionnaire: e-mails with personal links, the class sheet, revoking, scope."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import AuditEvent, OutboxEmail, PupilLink, Role
from tests.conftest import SmtpServer
from tests.factories import make_counsellor_school, make_pupil, make_school
from tests.questionnaire.helpers import LINK, coordinator_of, pupil_in
from tests.web import csrf_token, log_in_as


def _send(client: TestClient, school_id: int, delivery: str, **fields: str):  # type: ignore[no-untyped-def]
    data = {"delivery": delivery, "scope": "class", **fields}
    data["csrf_token"] = csrf_token(client, f"/questionnaire/schools/{school_id}")
    return client.post(f"/questionnaire/schools/{school_id}/send", data=data)


def _links(db: Session, pupil_id: int) -> list[PupilLink]:
    return list(
        db.scalars(select(PupilLink).where(PupilLink.pupil_id == pupil_id).order_by(PupilLink.id))
    )


def test_sending_to_a_class_mails_each_pupil_or_guardian_a_working_link(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    own = pupil_in(db, school, first_name="Freja", email="freja@elev.dk")
    via_guardian = pupil_in(db, school, first_name="Åse", email=None, guardian_email="mor@x.dk")
    no_address = pupil_in(db, school, first_name="Noah", email=None, guardian_email=None)
    other_class = pupil_in(db, school, class_name="8.B", email="b@elev.dk")
    coordinator_of(client, db, school)

    response = _send(client, school.id, "email", class_name="8.A")

    assert response.status_code == 200, response.text
    page = response.text
    assert "E-mails er på vej: 1 til elever, 1 til forældre." in page
    assert "Elever uden e-mailadresse: 1." in page
    assert "Ingen adresse – giv sedlen til eleven" in page
    assert page.count('<svg role="img"') == 3  # one QR code a pupil of the class
    assert len(LINK.findall(page)) == 3
    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["freja@elev.dk", "mor@x.dk"]
    to_pupil = next(m for m in messages if m["To"] == "freja@elev.dk")
    assert to_pupil["Subject"] == "Dit spørgeskema fra Ambassadør"
    body = SmtpServer.text_of(to_pupil)
    assert "Hej Freja" in body
    [token] = LINK.findall(body)
    assert token in page  # the e-mailed link is the one on the sheet
    to_guardian = next(m for m in messages if m["To"] == "mor@x.dk")
    assert to_guardian["Subject"] == "Et spørgeskema til Åse fra Ambassadør"

    for pupil in (own, via_guardian, no_address):
        [link] = _links(db, pupil.id)
        assert link.revoked_at is None
        assert link.expires_at - link.created_at == timedelta(days=30)
        assert token not in link.token_hash  # only the hash is stored
    assert _links(db, other_class.id) == []
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 2

    opened = TestClient(client.app, base_url="https://testserver").get(f"/q/{token}")
    assert opened.status_code == 200
    assert "Hej Freja!" in opened.text
    assert own.last_name not in opened.text


def test_the_class_sheet_without_email_sends_nothing(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    pupils = [pupil_in(db, school, email="x@elev.dk") for _ in range(4)]
    coordinator_of(client, db, school)

    response = _send(client, school.id, "sheet", class_name="8.A")

    assert response.status_code == 200
    assert "Der er ikke sendt e-mails" in response.text
    assert response.text.count('<svg role="img"') == 4
    for pupil in pupils:
        assert f"{pupil.first_name} {pupil.last_name}" in response.text
        assert len(_links(db, pupil.id)) == 1
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert smtp_server.messages == []


def test_sending_again_skips_pupils_with_a_working_link_and_keeps_their_links(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = pupil_in(db, school)
    coordinator_of(client, db, school)

    first = LINK.findall(_send(client, school.id, "sheet", class_name="8.A").text)[0]
    again = _send(client, school.id, "sheet", class_name="8.A")

    [link] = _links(db, pupil.id)  # no second link was made
    assert link.revoked_at is None
    assert "Sprunget over: 1, som allerede har et link, der virker." in again.text
    assert first in again.text  # the sheet shows the working link again
    pupil_client = TestClient(client.app, base_url="https://testserver")
    assert pupil_client.get(f"/q/{first}").status_code == 200


def test_whole_school_sheet_is_grouped_by_class(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil_in(db, school, class_name="9.B", grade=9)
    pupil_in(db, school, class_name="8.A")
    pupil_in(db, school, class_name=None)
    archived = pupil_in(db, school, status="archived")
    coordinator_of(client, db, school)

    response = _send(client, school.id, "sheet", scope="school")

    assert response.status_code == 200
    page = response.text
    assert page.count('<section class="sheet"') == 3
    assert page.index("· 8.A") < page.index("· 9.B")
    assert "Uden klasse" in page
    assert _links(db, archived.id) == []


def test_revoking_a_class_stops_its_links(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupils = [pupil_in(db, school) for _ in range(2)]
    coordinator_of(client, db, school)
    tokens = LINK.findall(_send(client, school.id, "sheet", class_name="8.A").text)

    response = client.post(
        f"/questionnaire/schools/{school.id}/revoke",
        data={
            "scope": "class",
            "class_name": "8.A",
            "csrf_token": csrf_token(client, f"/questionnaire/schools/{school.id}"),
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "Links til spørgeskemaet trukket tilbage: 2." in response.text
    for pupil in pupils:
        [link] = _links(db, pupil.id)
        assert link.revoked_at is not None
    pupil_client = TestClient(client.app, base_url="https://testserver")
    for token in tokens:
        assert pupil_client.get(f"/q/{token}").status_code == 410
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "questionnaire_link_revoked")
    ).all()
    assert {e.pupil_id for e in events} == {p.id for p in pupils}


def test_revoking_one_pupil_and_sending_to_one_pupil(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    pupil = pupil_in(db, school, email=None, guardian_email="far@x.dk")
    classmate = pupil_in(db, school)
    coordinator_of(client, db, school)
    _send(client, school.id, "sheet", class_name="8.A")
    class_page = f"/questionnaire/schools/{school.id}/class?name=8.A"

    sent = client.post(
        f"/questionnaire/pupils/{pupil.id}/send",
        data={
            "delivery": "email",
            "next": class_page,
            "confirmed": "1",
            "csrf_token": csrf_token(client, "/"),
        },
    )
    assert sent.status_code == 200
    assert sent.text.count('<svg role="img"') == 1
    assert "Sendt til forælderen" in sent.text
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "far@x.dk"

    revoked = client.post(
        f"/questionnaire/pupils/{pupil.id}/revoke",
        data={"next": class_page, "csrf_token": csrf_token(client, "/")},
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == class_page
    assert all(link.revoked_at is not None for link in _links(db, pupil.id))
    [kept] = _links(db, classmate.id)
    assert kept.revoked_at is None

    again = client.post(
        f"/questionnaire/pupils/{pupil.id}/revoke",
        data={"csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    assert "Der var intet link, der virkede, at trække tilbage." in again.text


def test_the_class_overview_shows_who_has_answered(client: TestClient, db: Session) -> None:
    school = make_school(db)
    answered = pupil_in(db, school, first_name="Ida", questionnaire_completed_at=utcnow())
    waiting = pupil_in(db, school, first_name="Emil", email=None, guardian_email=None)
    coordinator_of(client, db, school)
    _send(client, school.id, "sheet", class_name="8.A")

    summary = client.get(f"/questionnaire/schools/{school.id}")
    page = client.get(f"/questionnaire/schools/{school.id}/class", params={"name": "8.A"})

    assert summary.status_code == 200
    assert f'href="/questionnaire/schools/{school.id}/class?name=8.A"' in summary.text
    assert page.status_code == 200
    rows = {row.split("</th>")[0] for row in page.text.split('<th scope="row">')[1:]}
    assert f"{answered.first_name} {answered.last_name}" in rows
    assert f"{waiting.first_name} {waiting.last_name}" in rows
    assert "Ingen adresse – brug klassearket" in page.text
    assert page.text.count("Ikke endnu") == 1
    assert "virker til" in page.text


def test_another_schools_coordinator_gets_404_and_nothing_changes(
    client: TestClient, db: Session
) -> None:
    school, other = make_school(db), make_school(db)
    pupil = pupil_in(db, other)
    coordinator_of(client, db, school)
    token = csrf_token(client, "/")

    assert client.get(f"/questionnaire/schools/{other.id}").status_code == 404
    assert client.get(f"/questionnaire/schools/{other.id}/class?name=8.A").status_code == 404
    for path, data in (
        (f"/questionnaire/schools/{other.id}/send", {"scope": "class", "class_name": "8.A"}),
        (f"/questionnaire/schools/{other.id}/revoke", {"scope": "school"}),
        (f"/questionnaire/pupils/{pupil.id}/send", {}),
        (f"/questionnaire/pupils/{pupil.id}/revoke", {}),
    ):
        response = client.post(path, data={"delivery": "sheet", "csrf_token": token, **data})
        assert response.status_code == 404, path
    assert _links(db, pupil.id) == []


def test_a_counsellor_sends_to_the_schools_they_follow_only(
    client: TestClient, db: Session
) -> None:
    followed, other = make_school(db), make_school(db)
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=followed)
    pupil_in(db, followed)
    make_pupil(db, school=other, class_name="8.A")

    chooser = client.get("/questionnaire")
    assert chooser.status_code == 303
    assert chooser.headers["location"] == f"/questionnaire/schools/{followed.id}"
    assert _send(client, followed.id, "sheet", class_name="8.A").status_code == 200
    assert _send(client, other.id, "sheet", class_name="8.A").status_code == 404


def test_an_unknown_class_is_404_and_a_bad_form_is_422(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil_in(db, school)
    coordinator_of(client, db, school)

    assert client.get(f"/questionnaire/schools/{school.id}/class?name=7.X").status_code == 404
    assert _send(client, school.id, "sheet", class_name="7.X").status_code == 404
    bad = _send(client, school.id, "fax", class_name="8.A")
    assert bad.status_code == 422
    assert "Vælg en af mulighederne." in bad.text
    assert db.scalar(select(func.count()).select_from(PupilLink)) == 0
