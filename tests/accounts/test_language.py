"""Danish by default; English by a switch that remembers the choice."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Locale, Role, User
from tests.web import csrf_token, log_in, make_user_with_password, post_form


def test_danish_is_the_default(client: TestClient) -> None:
    page = client.get("/")
    assert '<html lang="da">' in page.text
    assert "Log ind" in page.text


def test_the_switch_remembers_english_for_a_visitor(client: TestClient) -> None:
    response = post_form(client, "/language", {"locale": "en", "next": "/login"})

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text
    assert "Forgot your password?" in page.text
    assert "The language is now English." in page.text


def test_the_switch_is_saved_on_the_account_and_applied_at_the_next_login(
    client: TestClient, db: Session
) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    log_in(client, user)
    post_form(client, "/language", {"locale": "en", "next": "/"})
    db.expire_all()
    assert db.get(User, user.id).locale is Locale.EN  # type: ignore[union-attr]

    client.cookies.clear()
    log_in(client, user)
    assert "School coordinator" in client.get("/").text


def test_the_switch_refuses_an_open_redirect(client: TestClient) -> None:
    response = post_form(client, "/language", {"locale": "en", "next": "https://evil.example"})
    assert response.headers["location"] == "/"


def test_an_unknown_language_changes_nothing(client: TestClient, db: Session) -> None:
    user = make_user_with_password(db, Role.ADMIN)
    log_in(client, user)
    response = client.post(
        "/language", data={"locale": "xx", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.get(User, user.id).locale is None  # type: ignore[union-attr]
    assert '<html lang="da">' in client.get("/").text
