"""Password-reset links: using one ends the others, and mails are limited without telling who has
an account."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import AccountToken, OutboxEmail, Role, TokenPurpose
from tests.web import csrf_token, make_user_with_password

NEW_PASSWORD = "en helt ny sætning at huske"
LINK = re.compile(r"/password-reset/[\w-]+")
SAME_ANSWER = "Hvis adressen hører til en konto"


def _request(client: TestClient, email: str) -> str:
    response = client.post(
        "/password-reset",
        data={"email": email, "csrf_token": csrf_token(client)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.text


def _links(db: Session) -> list[str]:
    bodies = db.scalars(select(OutboxEmail.body_text).order_by(OutboxEmail.id))
    return [match.group(0) for body in bodies if (match := LINK.search(body))]


def _choose(client: TestClient, link: str, password: str) -> int:
    token = csrf_token(client, link)
    return client.post(
        link, data={"password": password, "password_repeat": password, "csrf_token": token}
    ).status_code


def test_using_the_newer_link_ends_the_older_one(client: TestClient, db: Session) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    _request(client, user.email)
    _request(client, user.email)
    older, newer = _links(db)

    assert _choose(client, newer, NEW_PASSWORD) == 303

    page = client.get(older)
    assert page.status_code == 400
    assert "Linket er ikke længere gyldigt" in page.text
    assert _choose(client, older, "en anden sætning at huske") == 400
    assert (
        db.scalar(
            select(func.count()).where(
                AccountToken.user_id == user.id, AccountToken.used_at.is_(None)
            )
        )
        == 0
    )


def test_an_open_invitation_ends_when_a_reset_link_sets_the_password(
    client: TestClient, db: Session
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    db.add(
        AccountToken(
            purpose=TokenPurpose.INVITATION,
            token_hash="0" * 64,
            user_id=user.id,
            expires_at=user.created_at.replace(year=user.created_at.year + 1),
        )
    )
    db.flush()
    _request(client, user.email)
    [link] = _links(db)

    assert _choose(client, link, NEW_PASSWORD) == 303

    invitation = db.scalar(select(AccountToken).where(AccountToken.token_hash == "0" * 64))
    assert invitation is not None
    db.refresh(invitation)
    assert invitation.used_at is not None


def test_reset_mails_per_account_are_limited_with_the_same_answer(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    answers = {_request(client, user.email.upper()) for _ in range(6)}

    assert len(_links(db)) == settings.password_resets_per_account_per_hour
    assert all(SAME_ANSWER in answer for answer in answers)


def test_an_unknown_address_is_counted_the_same_way(
    client: TestClient, db: Session, settings: Settings
) -> None:
    for _ in range(settings.password_resets_per_account_per_hour):
        assert SAME_ANSWER in _request(client, "ukendt@haderslev.dk")
    # The address is used up although no account had it: an account made with it now gets
    # no mail within the hour, as if the earlier requests had been for it.
    make_user_with_password(db, Role.COORDINATOR, email="ukendt@haderslev.dk")
    assert SAME_ANSWER in _request(client, "ukendt@haderslev.dk")
    assert _links(db) == []


def test_reset_mails_per_client_address_are_limited(
    client: TestClient, db: Session, settings: Settings
) -> None:
    users = [
        make_user_with_password(db, Role.COORDINATOR)
        for _ in range(settings.password_resets_per_ip_per_hour + 2)
    ]
    for user in users:
        assert SAME_ANSWER in _request(client, user.email)

    assert len(_links(db)) == settings.password_resets_per_ip_per_hour
