"""Password reset by e-mail: a real SMTP server, single-use links that expire."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor.accounts.passwords import verify_password
from mentor.db import utcnow
from mentor.models import AccountToken, OutboxEmail, OutboxState, Role, User
from tests.conftest import SmtpServer
from tests.web import csrf_token, log_in, make_user_with_password

NEW_PASSWORD = "en helt ny sætning at huske"
LINK = re.compile(r"https://testserver(/password-reset/[\w-]+)")


def _request_reset(client: TestClient, email: str) -> None:
    response = client.post(
        "/password-reset", data={"email": email, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303


def _reset_link(smtp_server: SmtpServer) -> str:
    [message] = smtp_server.wait_for(1)
    body = smtp_server.text_of(message)
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def _choose(client: TestClient, link: str, password: str, repeat: str | None = None) -> int:
    token = csrf_token(client, link)
    response = client.post(
        link,
        data={"password": password, "password_repeat": repeat or password, "csrf_token": token},
    )
    return response.status_code


def test_reset_link_arrives_by_smtp_and_sets_a_new_password_once(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)

    _request_reset(client, user.email.upper())
    link = _reset_link(smtp_server)

    [message] = smtp_server.messages
    assert message["To"] == user.email
    assert message["Subject"] == "Nulstil din adgangskode til Ambassadør"
    assert _choose(client, link, NEW_PASSWORD) == 303
    db.expire_all()
    assert verify_password(db.get(User, user.id).password_hash, NEW_PASSWORD)  # type: ignore[union-attr]

    reused = client.get(link)
    assert reused.status_code == 400
    assert "Linket er ikke længere gyldigt" in reused.text
    assert _choose(client, link, "endnu en ny sætning her") == 400
    log_in(client, user, NEW_PASSWORD)


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    response = client.post(
        "/password-reset",
        data={"email": "ukendt@haderslev.dk", "csrf_token": csrf_token(client)},
        follow_redirects=True,
    )
    assert "Hvis adressen hører til en konto" in response.text
    assert db.scalars(select(OutboxEmail)).all() == []
    assert smtp_server.messages == []


def test_an_expired_link_is_refused_and_changes_nothing(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    before = user.password_hash
    _request_reset(client, user.email)
    link = _reset_link(smtp_server)
    past = utcnow() - timedelta(hours=2)
    db.execute(update(AccountToken).values(created_at=past - timedelta(hours=1), expires_at=past))

    assert _choose(client, link, NEW_PASSWORD) == 400
    db.expire_all()
    assert db.get(User, user.id).password_hash == before  # type: ignore[union-attr]


def test_a_weak_or_mismatched_password_is_refused_next_to_the_field(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    _request_reset(client, user.email)
    link = _reset_link(smtp_server)

    short = client.post(
        link,
        data={
            "password": "kort",
            "password_repeat": "kort",
            "csrf_token": csrf_token(client, link),
        },
    )
    mismatched = client.post(
        link,
        data={
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD + "x",
            "csrf_token": csrf_token(client, link),
        },
    )

    assert short.status_code == mismatched.status_code == 422
    assert "Adgangskoden skal være mindst 10 tegn lang." in short.text
    assert "De to adgangskoder er ikke ens." in mismatched.text
    token = db.scalars(select(AccountToken)).one()
    assert token.used_at is None


def test_a_malformed_email_gets_a_message_next_to_the_field(
    client: TestClient, db: Session
) -> None:
    client.cookies.set("mentor_lang", "en")
    response = client.post(
        "/password-reset", data={"email": "ikke-en-adresse", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert "Enter an e-mail address like name@example.dk." in response.text
    assert 'value="ikke-en-adresse"' in response.text
    assert db.scalars(select(OutboxEmail)).all() == []


def test_mail_that_cannot_be_delivered_stays_in_the_outbox(db: Session) -> None:
    from mentor.config import Settings
    from mentor.notifications.delivery import deliver_pending
    from mentor.notifications.service import queue_email

    mail = queue_email(
        db,
        to="a@haderslev.dk",
        template="password_reset",
        locale="da",
        context={"name": "A", "link": "https://x", "minutes": 60},
    )
    nowhere = Settings(smtp_host="127.0.0.1", smtp_port=1, secret_key="x" * 40)  # type: ignore[arg-type]

    assert deliver_pending(db, nowhere) == 0

    assert mail.state is OutboxState.PENDING
    assert mail.attempts == 1
    assert mail.last_error
