"""'My sessions': a user sees where they are logged in and ends any of their own sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.accounts.my_sessions import browser_label
from mentor.db import utcnow
from mentor.i18n import using_locale
from mentor.models import AuditEvent, LoginSession, Role
from tests.factories import make_login_session, make_user
from tests.web import log_in_as, post_form

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"


def _ids(db: Session, user_id: int) -> set[int]:
    db.expire_all()
    return set(db.scalars(select(LoginSession.id).where(LoginSession.user_id == user_id)))


def test_the_page_lists_the_users_live_sessions_with_this_one_marked(
    client: TestClient, db: Session
) -> None:
    user = log_in_as(client, db, Role.COUNSELLOR)
    make_login_session(db, user=user, user_agent=PHONE, ip="198.51.100.7")
    make_login_session(db, user=user, expires_at=utcnow() - timedelta(minutes=1), ip="192.0.2.99")
    make_login_session(db, ip="203.0.113.5")  # someone else's

    page = client.get("/account/sessions")

    assert page.status_code == 200
    assert "Mine sessioner" in page.text
    assert "Safari på iOS" in page.text
    assert "198.51.100.7" in page.text
    assert page.text.count("Denne session") == 1
    assert "192.0.2.99" not in page.text  # expired
    assert "203.0.113.5" not in page.text  # not theirs
    assert "Afslut alle andre sessioner" in page.text


def test_a_user_ends_another_of_their_sessions(client: TestClient, db: Session) -> None:
    user = log_in_as(client, db, Role.COORDINATOR)
    other = make_login_session(db, user=user, user_agent=PHONE)

    response = post_form(client, f"/account/sessions/{other.id}/end", {})

    assert response.headers["location"] == "/account/sessions"
    assert other.id not in _ids(db, user.id)
    assert len(_ids(db, user.id)) == 1
    assert client.get("/account/sessions").status_code == 200  # still logged in here
    assert db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "session_ended")
    )


def test_ending_this_session_logs_out(client: TestClient, db: Session) -> None:
    user = log_in_as(client, db, Role.AMBASSADOR)
    (current,) = _ids(db, user.id)

    response = post_form(client, f"/account/sessions/{current}/end", {})

    assert response.headers["location"] == "/login"
    assert _ids(db, user.id) == set()
    assert "Log ind" in client.get("/").text


def test_another_users_session_is_not_found_and_lives_on(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    victim = make_user(db, role=Role.COUNSELLOR)
    theirs = make_login_session(db, user=victim)

    response = post_form(client, f"/account/sessions/{theirs.id}/end", {})

    assert response.status_code == 404
    assert _ids(db, victim.id) == {theirs.id}


def test_end_all_others_keeps_only_this_session(client: TestClient, db: Session) -> None:
    user = log_in_as(client, db, Role.COUNSELLOR)
    (current,) = _ids(db, user.id)
    make_login_session(db, user=user)
    make_login_session(db, user=user, user_agent=PHONE)
    bystander = make_login_session(db)

    response = post_form(client, "/account/sessions/end-others", {})

    assert response.headers["location"] == "/account/sessions"
    assert _ids(db, user.id) == {current}
    assert _ids(db, bystander.user_id) == {bystander.id}
    assert "Dine andre sessioner er afsluttet: 2." in client.get("/account/sessions").text


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (PHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("curl/8.5", "Unknown browser"),
        (None, "Unknown browser"),
    ],
)
def test_browsers_are_named_as_people_know_them(agent: str | None, label: str) -> None:
    with using_locale("en"):
        assert browser_label(agent) == label
