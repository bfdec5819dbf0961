"""Danish by default; English by a switch that remembers the choice."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Locale, Role, User
from tests.factories import make_pupil, make_school, make_user
from tests.questionnaire.helpers import link_for
from tests.web import csrf_token, log_in, log_in_as, make_user_with_password, post_form


def main_of(page_text: str) -> str:
    return page_text.split("<main", 1)[1].split("</main>", 1)[0]


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


_NEXT_FIELD = re.compile(r'name="next" value="([^"]*)"')


def language_next(page_text: str) -> str:
    """Where the page's language switch returns to (the ``next`` field of its form)."""
    match = _NEXT_FIELD.search(page_text)
    assert match, "no language switch on the page"
    return html.unescape(match.group(1))


def test_the_switch_returns_to_the_same_page_with_its_query(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    make_pupil(db, school=school, first_name="Asta", last_name="Holm")
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    page = client.get("/pupils?q=Asta&sort=name")
    assert language_next(page.text) == "/pupils?q=Asta&sort=name"
    switched = post_form(client, "/language", {"locale": "en", "next": language_next(page.text)})

    assert switched.headers["location"] == "/pupils?q=Asta&sort=name"
    after = client.get(switched.headers["location"])
    assert after.status_code == 200
    assert '<html lang="en">' in after.text
    assert "Asta" in main_of(after.text)


def test_the_switch_on_a_form_shown_again_by_its_post_returns_to_the_form_logged_in(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    user = log_in_as(client, db, Role.COORDINATOR, organisation=school)
    form_page = f"https://testserver/pupils/{pupil.id}"
    refused = client.post(
        f"/pupils/{pupil.id}/consent",
        data={"state": "given", "given_by": "", "csrf_token": csrf_token(client, "/")},
        headers={"referer": form_page},
    )
    assert refused.status_code == 422

    # The consent POST has no page of its own to come back to (a GET to it is "Not allowed"):
    # the switch returns to the pupil's page that sent the form, still logged in.
    target = language_next(refused.text)
    assert target == f"/pupils/{pupil.id}"
    switched = post_form(client, "/language", {"locale": "en", "next": target})
    after = client.get(switched.headers["location"])
    assert after.status_code == 200
    assert user.full_name in after.text
    assert "Log out" in after.text
    assert "Not allowed" not in after.text


def test_a_form_post_from_another_site_returns_to_the_front_page(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)
    refused = client.post(
        f"/pupils/{pupil.id}/consent",
        data={"state": "given", "given_by": "", "csrf_token": csrf_token(client, "/")},
        headers={"referer": f"https://evil.example/pupils/{pupil.id}"},
    )
    assert language_next(refused.text) == "/"


def test_the_switch_on_a_pupils_questionnaire_link_stays_on_the_questionnaire(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Ronja")
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=school)
    link = link_for(client, db, pupil, coordinator)

    page = client.get(link)
    assert language_next(page.text) == link
    switched = post_form(client, "/language", {"locale": "en", "next": link}, token_from=link)
    after = client.get(switched.headers["location"])

    assert after.status_code == 200
    assert '<html lang="en">' in after.text
    assert "Ronja" in main_of(after.text)
