"""Throttling slows guesses, not owners: a reset clears an account's pause, an address behind
which a whole school sits is slowed rather than locked, and the wait is told."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.throttle import address_delay
from mentor.config import Settings
from mentor.models import LoginAttempt, LoginSession, OutboxEmail, Role
from tests.conftest import FakeClock
from tests.web import PASSWORD, csrf_token, make_user_with_password

NEW_PASSWORD = "en helt ny sætning at huske"
RESET_LINK = re.compile(r"/password-reset/[\w-]+")


def _attempt(client: TestClient, email: str, password: str) -> tuple[int, str]:
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    return response.status_code, response.text


def _age_attempts(db: Session, seconds: float) -> None:
    """Move every recorded attempt ``seconds`` into the past, as if that much time had gone."""
    for attempt in db.scalars(select(LoginAttempt)):
        attempt.attempted_at -= timedelta(seconds=seconds)
    db.flush()


def _address_failed(db: Session, now: datetime, times: int, *, last_seconds_ago: float) -> None:
    """The test client's address has failed ``times`` times within the window, the last one
    ``last_seconds_ago`` before ``now``."""
    for n in range(times):
        db.add(
            LoginAttempt(
                email_hash=f"{n:064x}",
                ip="testclient",
                attempted_at=now - timedelta(seconds=last_seconds_ago + n),
                succeeded=False,
            )
        )
    db.flush()


def _reset_link(db: Session, client: TestClient, email: str) -> str:
    client.post("/password-reset", data={"email": email, "csrf_token": csrf_token(client)})
    body = db.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert body is not None
    match = RESET_LINK.search(body.body_text)
    assert match, body.body_text
    return match.group(0)


def test_a_password_reset_ends_the_pause_of_the_account(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    for _ in range(settings.login_max_failures_per_account):
        _attempt(client, user.email, "forkert-gæt")
    status, text = _attempt(client, user.email, PASSWORD)
    assert status == 429
    assert "Vent 15 minutter" in text

    link = _reset_link(db, client, user.email)
    token = csrf_token(client, link)
    client.post(
        link,
        data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD, "csrf_token": token},
    )

    status, _ = _attempt(client, user.email, NEW_PASSWORD)
    assert status == 303
    assert db.scalar(select(LoginSession.user_id)) == user.id


def test_the_account_pause_tells_the_wait_left(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    for _ in range(settings.login_max_failures_per_account):
        _attempt(client, user.email, "forkert-gæt")
    _age_attempts(db, 10 * 60)

    status, text = _attempt(client, user.email, PASSWORD)

    assert status == 429
    assert "Vent 5 minutter" in text


def test_an_address_past_its_limit_is_slowed_not_locked(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock
) -> None:
    owner = make_user_with_password(db, Role.COORDINATOR)
    # A school's shared address: many failures by many people, or someone guessing; the last a
    # minute ago.
    _address_failed(db, clock.now, settings.login_max_failures_per_ip + 10, last_seconds_ago=61)

    status, text = _attempt(client, owner.email, PASSWORD)
    assert status == 303, text  # the owner's turn came: the address was not locked
    client.cookies.clear()

    assert _attempt(client, "gæt@haderslev.dk", "forkert-gæt")[0] == 400
    status, text = _attempt(client, owner.email, PASSWORD)
    assert status == 429
    assert "Vent 60 sekunder" in text
    _age_attempts(db, settings.login_max_address_delay)
    client.cookies.clear()
    status, _ = _attempt(client, owner.email, PASSWORD)
    assert status == 303


def test_refused_attempts_do_not_make_the_wait_longer(
    client: TestClient, db: Session, settings: Settings, clock: FakeClock
) -> None:
    _address_failed(db, clock.now, settings.login_max_failures_per_ip + 3, last_seconds_ago=61)
    counted = db.query(LoginAttempt).count()
    assert _attempt(client, "gæt@haderslev.dk", "forkert-gæt")[0] == 400
    for _ in range(5):
        status, _ = _attempt(client, "gæt@haderslev.dk", "forkert-gæt")
        assert status == 429
    assert db.query(LoginAttempt).count() == counted + 1


def test_the_address_delay_doubles_up_to_its_cap(settings: Settings) -> None:
    limit = settings.login_max_failures_per_ip
    assert address_delay(limit - 1, settings) == timedelta(0)
    assert address_delay(limit, settings) == timedelta(seconds=1)
    assert address_delay(limit + 3, settings) == timedelta(seconds=8)
    assert address_delay(limit + 500, settings) == timedelta(
        seconds=settings.login_max_address_delay
    )


def _forwarded_app(app: FastAPI, settings: Settings, trusted: str) -> FastAPI:
    from mentor.app import create_app

    return create_app(
        settings.model_copy(update={"trusted_proxies": trusted}),
        session_factory=app.state.session_factory,
        clock=app.state.clock,
    )


def test_x_forwarded_for_from_an_untrusted_client_is_ignored(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    spoofing = _forwarded_app(app, settings, "")
    with TestClient(spoofing, base_url="https://testserver", follow_redirects=False) as client:
        for n in range(3):
            client.post(
                "/login",
                data={"email": "a@b.dk", "password": "x", "csrf_token": csrf_token(client)},
                headers={"X-Forwarded-For": f"10.9.8.{n}"},
            )
    assert set(db.scalars(select(LoginAttempt.ip))) == {"testclient"}


def test_x_forwarded_for_from_a_configured_proxy_names_the_client(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    proxied = _forwarded_app(app, settings, "testclient, 10.0.0.0/8")
    with TestClient(proxied, base_url="https://testserver", follow_redirects=False) as client:
        client.post(
            "/login",
            data={"email": "a@b.dk", "password": "x", "csrf_token": csrf_token(client)},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
    assert list(db.scalars(select(LoginAttempt.ip))) == ["198.51.100.7"]
