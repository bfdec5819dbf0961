"""An admin resets a user's two-step verification (a lost phone): asked first, audited, and the
user is logged out everywhere and sets up a new app at their next login."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, LoginSession, RecoveryCode, Role, TotpCredential
from tests.factories import make_login_session, make_recovery_code, make_totp_credential
from tests.web import PASSWORD, log_in_as, make_user_with_password, post_form


def _count(db: Session, model: type, *where: object) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_the_edit_page_shows_whether_two_step_verification_is_set_up(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    counsellor = make_user_with_password(db, Role.COUNSELLOR)
    assert "Ikke opsat." in client.get(f"/admin/users/{counsellor.id}").text

    make_totp_credential(db, user=counsellor)
    page = client.get(f"/admin/users/{counsellor.id}")

    assert "Opsat den" in page.text
    assert f'href="/admin/users/{counsellor.id}/two-step/reset"' in page.text


def test_a_reset_asks_first_then_removes_the_app_and_codes_and_ends_sessions(
    client: TestClient, db: Session
) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    counsellor = make_user_with_password(db, Role.COUNSELLOR)
    make_totp_credential(db, user=counsellor)
    make_recovery_code(db, user=counsellor)
    make_login_session(db, user=counsellor)
    bystander = make_totp_credential(db)
    url = f"/admin/users/{counsellor.id}/two-step/reset"

    question = client.get(url)
    assert "Nulstil totrinsbekræftelse for" in question.text
    unconfirmed = post_form(client, url, {})
    assert unconfirmed.status_code == 200
    assert _count(db, TotpCredential, TotpCredential.user_id == counsellor.id) == 1

    response = post_form(client, url, {"confirmed": "1"})

    assert response.headers["location"] == f"/admin/users/{counsellor.id}"
    assert "er nulstillet" in client.get(response.headers["location"]).text
    assert _count(db, TotpCredential, TotpCredential.user_id == counsellor.id) == 0
    assert _count(db, RecoveryCode, RecoveryCode.user_id == counsellor.id) == 0
    assert _count(db, LoginSession, LoginSession.user_id == counsellor.id) == 0
    assert _count(db, TotpCredential, TotpCredential.id == bystander.id) == 1
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "mfa_reset")).one()
    assert (event.actor_id, event.object_id) == (admin.id, str(counsellor.id))

    # The next login sets up a new app (the role requires one).
    client.cookies.clear()
    login = post_form(
        client, "/login", {"email": counsellor.email, "password": PASSWORD}, token_from="/login"
    )
    assert login.headers["location"] == "/login/set-up"
