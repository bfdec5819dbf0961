"""Logging in and out through HTTP, checked against the database."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.accounts.sessions import COOKIE_NAME
from mentor.models import LoginAttempt, LoginSession, Role
from tests.web import PASSWORD, csrf_token, log_in, make_user_with_password, post_form


def _sessions_of(db: Session, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        )
        or 0
    )


def test_login_starts_a_server_side_session_and_logout_ends_it(
    client: TestClient, db: Session
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)

    response = log_in(client, user)

    cookie = response.headers["set-cookie"]
    assert f"{COOKIE_NAME}=" in cookie
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=lax" in cookie
    assert _sessions_of(db, user.id) == 1
    home = client.get("/")
    assert "Skolekoordinator" in home.text or "School coordinator" in home.text

    logout = post_form(client, "/logout", {})
    assert logout.status_code == 303
    assert _sessions_of(db, user.id) == 0
    assert "Log ind" in client.get("/").text  # the landing page again


def test_wrong_password_says_the_same_as_unknown_email_and_records_the_attempt(
    client: TestClient, db: Session
) -> None:
    user = make_user_with_password(db, Role.ADMIN)
    token = csrf_token(client)

    wrong = client.post(
        "/login", data={"email": user.email, "password": "forkert", "csrf_token": token}
    )
    unknown = client.post(
        "/login",
        data={"email": "ingen@haderslev.dk", "password": PASSWORD, "csrf_token": token},
    )

    assert wrong.status_code == unknown.status_code == 400
    assert "E-mailadressen eller adgangskoden er forkert" in wrong.text
    assert "E-mailadressen eller adgangskoden er forkert" in unknown.text
    assert _sessions_of(db, user.id) == 0
    attempts = db.scalars(select(LoginAttempt.succeeded)).all()
    assert attempts == [False, False]


def test_login_without_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    user = make_user_with_password(db, Role.ADMIN)

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "Formularen" in response.text
    assert _sessions_of(db, user.id) == 0
    assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_a_hash_with_old_parameters_is_renewed_at_login(client: TestClient, db: Session) -> None:
    from argon2 import PasswordHasher

    from mentor.accounts.passwords import hasher
    from mentor.models import User
    from tests.factories import make_user

    old_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash(PASSWORD)
    user = make_user(db, role=Role.ADMIN, password_hash=old_hash)

    log_in(client, user)

    db.expire_all()
    renewed = db.get(User, user.id)
    assert renewed is not None
    assert renewed.password_hash != old_hash
    assert renewed.password_hash is not None
    assert not hasher().check_needs_rehash(renewed.password_hash)


def test_a_disabled_user_cannot_log_in(client: TestClient, db: Session) -> None:
    user = make_user_with_password(db, Role.COUNSELLOR, is_active=False)
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 400
    assert _sessions_of(db, user.id) == 0


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(
    client: TestClient, db: Session
) -> None:
    # A role that logs in with the password alone (after a code: tests/accounts/test_mfa_login.py).
    user = make_user_with_password(db, Role.COORDINATOR)
    token = csrf_token(client)
    inside = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "next": "/admin/users",
            "csrf_token": token,
        },
    )
    assert inside.headers["location"] == "/admin/users"
    client.cookies.clear()
    token = csrf_token(client)
    outside = client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "next": "//evil.example",
            "csrf_token": token,
        },
    )
    assert outside.headers["location"] == "/"
