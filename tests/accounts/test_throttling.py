"""Login throttling per account and per IP address, sliding, never a permanent lockout."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import LoginAttempt, LoginSession, Role
from tests.conftest import FakeClock
from tests.web import PASSWORD, csrf_token, make_user_with_password


def _attempt(client: TestClient, email: str, password: str) -> int:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code


def test_too_many_failures_pause_the_account_even_with_the_right_password(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user_with_password(db, Role.COUNSELLOR)
    for _ in range(settings.login_max_failures_per_account):
        assert _attempt(client, user.email, "forkert-gæt") == 400

    token = csrf_token(client)
    blocked = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )

    assert blocked.status_code == 429
    assert "For mange mislykkede forsøg" in blocked.text
    assert db.query(LoginSession).count() == 0


def test_the_pause_slides_away_with_time(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)  # no second step after the password
    for _ in range(settings.login_max_failures_per_account):
        _attempt(client, user.email, "forkert-gæt")
    long_ago = clock.now - timedelta(seconds=settings.login_failure_window + 1)
    db.execute(update(LoginAttempt).values(attempted_at=long_ago))

    assert _attempt(client, user.email, PASSWORD) == 303
    assert db.query(LoginSession).count() == 1


def test_one_address_guessing_many_accounts_is_paused(
    client: TestClient, db: Session, settings: Settings
) -> None:
    victim = make_user_with_password(db, Role.ADMIN)
    for n in range(settings.login_max_failures_per_ip):
        _attempt(client, f"gæt{n}@haderslev.dk", "forkert-gæt")

    assert _attempt(client, victim.email, PASSWORD) == 429
    assert db.query(LoginSession).count() == 0
