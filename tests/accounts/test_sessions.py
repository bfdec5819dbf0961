"""Server-side sessions: a new id at login, idle and absolute timeouts, ending them all."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.accounts.service import set_user_active
from mentor.accounts.sessions import COOKIE_NAME
from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import LoginSession, Role
from tests.web import log_in, log_in_as, make_user_with_password


def _only_session(db: Session, user_id: int) -> LoginSession:
    db.expire_all()
    return db.scalars(select(LoginSession).where(LoginSession.user_id == user_id)).one()


def test_login_issues_a_new_session_id_and_ignores_one_brought_along(
    client: TestClient, db: Session
) -> None:
    # A coordinator logs in with the password alone (no second factor required).
    user = make_user_with_password(db, Role.COORDINATOR)
    client.cookies.set(COOKIE_NAME, "planted-by-an-attacker")

    response = log_in(client, user)

    issued = response.cookies[COOKIE_NAME]
    assert issued != "planted-by-an-attacker"
    stored = _only_session(db, user.id)
    assert stored.token_hash != "planted-by-an-attacker"
    assert len(stored.token_hash) == 64  # only the SHA-256 of the token is kept


def test_an_idle_session_expires(client: TestClient, db: Session, settings: Settings) -> None:
    user = log_in_as(client, db, Role.COORDINATOR)
    stored = _only_session(db, user.id)
    stored.last_seen_at = utcnow() - timedelta(seconds=settings.session_idle_timeout + 1)
    db.flush()

    response = client.get("/")

    assert "Log ind" in response.text
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_a_session_ends_at_its_absolute_timeout_even_when_busy(
    client: TestClient, db: Session
) -> None:
    user = log_in_as(client, db, Role.COORDINATOR)
    stored = _only_session(db, user.id)
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()

    assert "Log ind" in client.get("/").text
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_activity_moves_the_idle_clock_on(client: TestClient, db: Session) -> None:
    user = log_in_as(client, db, Role.COORDINATOR)
    stored = _only_session(db, user.id)
    earlier = utcnow() - timedelta(minutes=30)
    stored.last_seen_at = earlier
    db.flush()

    assert client.get("/").status_code == 200

    assert _only_session(db, user.id).last_seen_at > earlier


def test_disabling_a_user_ends_all_their_sessions(app: object, db: Session) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    admin = make_user_with_password(db, Role.ADMIN)
    user = make_user_with_password(db, Role.COORDINATOR)
    with (
        TestClient(app, base_url="https://testserver", follow_redirects=False) as phone,
        TestClient(app, base_url="https://testserver", follow_redirects=False) as laptop,
    ):
        log_in(phone, user)
        log_in(laptop, user)
        assert db.scalar(select(func.count()).select_from(LoginSession)) == 2

        set_user_active(db, actor=admin, user=user, active=False)
        db.flush()

        assert "Log ind" in phone.get("/").text
        assert "Log ind" in laptop.get("/").text
    assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
