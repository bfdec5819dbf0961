"""Helpers for tests that talk HTTP: CSRF tokens from pages, logging in as a role."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from mentor.accounts.passwords import hash_password
from mentor.accounts.sessions import COOKIE_NAME, start_session
from mentor.models import Role, User
from tests.factories import make_user

PASSWORD = "korrekt hest batteri hæfteklamme"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    """Argon2 is slow on purpose: hash the shared test password once per run."""
    return hash_password(PASSWORD)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    match = _CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def post_form(
    client: TestClient, path: str, data: dict[str, Any], *, token_from: str = "/"
) -> Response:
    """POST a form the way a browser does: with the token of a page of this site."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)})


def make_user_with_password(db: Session, role: Role, **overrides: Any) -> User:
    return make_user(db, role=role, password_hash=password_hash(), **overrides)


def log_in(client: TestClient, user: User, password: str = PASSWORD) -> Response:
    response = post_form(
        client, "/login", {"email": user.email, "password": password}, token_from="/login"
    )
    assert response.status_code == 303, response.text
    return response


def sign_in(client: TestClient, db: Session, user: User) -> None:
    """Start a login session directly and hand its cookie to the client.

    The login form has tests of its own; going through it for every other test would spend most
    of the suite's time in Argon2, which is slow on purpose.
    """
    settings = client.app.state.settings  # type: ignore[attr-defined]
    token = start_session(db, user=user, ip=None, user_agent=None, settings=settings)
    client.cookies.set(COOKIE_NAME, token, domain="testserver.local")


def log_in_as(client: TestClient, db: Session, role: Role, **overrides: Any) -> User:
    user = make_user(db, role=role, **overrides)
    sign_in(client, db, user)
    return user
