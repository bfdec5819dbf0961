"""Joining through HTTP: the public application, its rate limit and silence about known
addresses; invitations by staff; the admin's vetting pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import Ambassador, AmbassadorState, OutboxEmail, RateLimitEvent, Role, User
from tests.factories import make_ambassador, make_institution, make_programme, make_user
from tests.web import csrf_token, log_in_as


def application(db: Session, email: str) -> dict[str, str]:
    return {
        "full_name": "Sara Holm",
        "email": email,
        "institution_id": str(make_institution(db).id),
        "programme_id": str(make_programme(db).id),
        "year_of_study": "2",
        "understood": "1",
    }


def apply(client: TestClient, data: dict[str, str]) -> Response:
    return client.post("/apply", data={**data, "csrf_token": csrf_token(client, "/apply")})


def test_the_public_page_says_what_it_takes(client: TestClient) -> None:
    page = client.get("/apply")
    assert page.status_code == 200
    assert "børneattest" in page.text.lower()


def test_an_application_creates_a_pending_ambassador_and_mails_a_receipt(
    client: TestClient, db: Session
) -> None:
    response = apply(client, application(db, "sara@elev.dk"))
    assert response.status_code == 303
    assert response.headers["location"] == "/apply/thanks"
    user = db.scalars(select(User).where(User.email == "sara@elev.dk")).one()
    assert user.role is Role.AMBASSADOR
    assert not user.is_active
    assert user.password_hash is None
    ambassador = db.scalars(select(Ambassador).where(Ambassador.user_id == user.id)).one()
    assert ambassador.state is AmbassadorState.APPLIED
    assert db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "sara@elev.dk")).one()


def test_a_known_address_gets_the_same_answer_and_nothing_is_created(
    client: TestClient, db: Session
) -> None:
    make_user(db, role=Role.COUNSELLOR, email="kendt@haderslev.dk")
    known = apply(client, application(db, "kendt@haderslev.dk"))
    new = apply(client, application(db, "ny@elev.dk"))
    assert known.status_code == new.status_code == 303
    assert known.headers["location"] == new.headers["location"]
    assert client.get(known.headers["location"]).text == client.get(new.headers["location"]).text
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.email == "kendt@haderslev.dk"))
        == 1
    )
    mails = db.scalars(select(OutboxEmail.to_address)).all()
    assert "kendt@haderslev.dk" not in mails


def test_applications_are_rate_limited_per_address(
    client: TestClient, db: Session, settings: Settings
) -> None:
    for n in range(settings.applications_per_ip_per_hour):
        assert apply(client, application(db, f"elev{n}@elev.dk")).status_code == 303
    refused = apply(client, application(db, "en.for.meget@elev.dk"))
    assert refused.status_code == 429
    assert db.scalar(select(User.id).where(User.email == "en.for.meget@elev.dk")) is None
    keys = db.scalars(select(RateLimitEvent.key_hash)).all()
    assert keys
    assert all("testclient" not in key and len(key) == 64 for key in keys)


def test_a_bad_application_comes_back_with_messages_and_values(
    client: TestClient, db: Session
) -> None:
    data = application(db, "ikke-en-adresse")
    del data["understood"]
    response = apply(client, data)
    assert response.status_code == 422
    assert 'value="Sara Holm"' in response.text
    assert 'id="email-error"' in response.text
    assert 'id="understood-error"' in response.text
    assert db.scalar(select(func.count()).select_from(RateLimitEvent)) == 0


def test_a_counsellor_invites_a_student(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.COUNSELLOR)
    data = application(db, "inviteret@elev.dk")
    del data["understood"]
    response = client.post(
        "/ambassadors/invite", data={**data, "locale": "da", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303, response.text
    user = db.scalars(select(User).where(User.email == "inviteret@elev.dk")).one()
    assert user.role is Role.AMBASSADOR
    assert user.organisation_id == int(data["institution_id"])
    ambassador = db.scalars(select(Ambassador).where(Ambassador.user_id == user.id)).one()
    assert ambassador.state is AmbassadorState.APPROVED
    mail = db.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == "inviteret@elev.dk")
    ).one()
    assert "/invitation/" in mail.body_text


def test_inviting_a_known_address_is_refused_next_to_the_field(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_user(db, email="findes@elev.dk")
    data = application(db, "findes@elev.dk")
    response = client.post(
        "/ambassadors/invite", data={**data, "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.text


def test_admin_lists_by_state_and_marks_several_as_trained(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    cleared = [
        make_ambassador(db, state=AmbassadorState.CERTIFICATE_CLEARED, training_completed_at=None)
        for _ in range(2)
    ]
    page = client.get("/admin/ambassadors?state=certificate_cleared")
    assert page.status_code == 200
    assert f'name="ambassador_{cleared[0].id}"' in page.text
    data = {f"ambassador_{a.id}": "1" for a in cleared} | {
        "action": "complete_training",
        "on": "2026-11-20",
    }
    response = client.post(
        "/admin/ambassadors/bulk", data={**data, "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303, response.text
    for ambassador in cleared:
        db.refresh(ambassador)
        assert ambassador.state is AmbassadorState.TRAINED
        assert ambassador.training_completed_at is not None


def test_a_bulk_action_is_all_or_nothing(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    ready = make_ambassador(
        db, state=AmbassadorState.CERTIFICATE_CLEARED, training_completed_at=None
    )
    applied = make_ambassador(db, state=AmbassadorState.APPLIED)
    data = {
        f"ambassador_{ready.id}": "1",
        f"ambassador_{applied.id}": "1",
        "action": "complete_training",
        "on": "2026-11-20",
    }
    response = client.post(
        "/admin/ambassadors/bulk", data={**data, "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 422
    db.refresh(ready)
    assert ready.state is AmbassadorState.CERTIFICATE_CLEARED


def test_admin_clears_a_certificate_and_an_illegal_move_is_a_conflict(
    client: TestClient, db: Session
) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    ambassador = make_ambassador(db, state=AmbassadorState.CERTIFICATE_REQUESTED)
    url = f"/admin/ambassadors/{ambassador.id}"
    bad = client.post(
        f"{url}/clear-certificate", data={"assessed_on": "", "csrf_token": csrf_token(client, "/")}
    )
    assert bad.status_code == 422
    assert 'id="assessed_on-error"' in bad.text
    ok = client.post(
        f"{url}/clear-certificate",
        data={"assessed_on": "2026-11-01", "csrf_token": csrf_token(client, "/")},
    )
    assert ok.status_code == 303
    db.refresh(ambassador)
    assert ambassador.state is AmbassadorState.CERTIFICATE_CLEARED
    assert ambassador.child_certificate_assessor_id == admin.id
    again = client.post(f"{url}/activate", data={"csrf_token": csrf_token(client, "/")})
    assert again.status_code == 409
    assert client.get(url).status_code == 200
    assert client.get("/admin/ambassadors/recheck").status_code == 200
