"""Pupils' feedback: the link a log issues, the coordinator's list with QR codes, the public form
(one answer, expiry, hostile tokens, both languages), and the ambassador's average from three
answers on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.links import hash_token
from mentor.config import Settings
from mentor.meetings import feedback
from mentor.models import (
    AuditEvent,
    Feedback,
    Helpfulness,
    MatchState,
    PupilLink,
    PupilLinkPurpose,
    Role,
)
from mentor.web.middleware import LOCALE_COOKIE
from tests.conftest import FakeClock, SmtpServer
from tests.factories import (
    make_ambassador,
    make_feedback,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_pupil,
    make_pupil_link,
    make_school,
    make_user,
)
from tests.meetings.test_logs import Setting, _as, _form, _post
from tests.meetings.test_logs import setting as setting
from tests.web import csrf_token, sign_in

_LINK = re.compile(r"https://testserver(/f/[A-Za-z0-9_-]+)")


def _logged(client: TestClient, db: Session, clock: FakeClock, setting: Setting) -> None:
    clock.advance(hours=3)
    _as(client, db, setting.ambassador_user)
    assert _post(client, setting, _form(setting)).status_code == 303
    client.cookies.clear()


def _coordinator_link(client: TestClient, db: Session, setting: Setting) -> str:
    page = _as(client, db, setting.coordinator).get("/school/feedback")
    assert page.status_code == 200
    [path] = _LINK.findall(page.text)
    client.cookies.clear()
    return path


def _answer(client: TestClient, path: str, **values: str) -> Response:
    data = {"rating": "4", "helped": "partly", "comment": "Godt at høre om HTX."} | values
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


def test_a_pupil_marked_present_gets_a_link_the_coordinator_can_hand_out(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting, smtp_server: SmtpServer
) -> None:
    _logged(client, db, clock, setting)

    [link] = db.scalars(select(PupilLink)).all()
    assert (link.purpose, link.pupil_id, link.meeting_id) == (
        PupilLinkPurpose.FEEDBACK,
        setting.asta.id,
        setting.meeting.id,
    )
    assert link.expires_at == clock.now + timedelta(days=14)
    page = _as(client, db, setting.coordinator).get("/school/feedback")
    assert page.status_code == 200
    assert "Asta" in page.text
    # In the page's content: the header names the signed-in user, whose made-up name may match.
    assert "Bjørn" not in page.text.split("<main", 1)[1]
    assert page.text.count("<svg") == 1
    [path] = _LINK.findall(page.text)
    token = path.removeprefix("/f/")
    # Only the hash is stored; the page shows the same link every time.
    assert link.token_hash == hash_token(token)
    assert token not in link.token_hash
    assert _LINK.findall(client.get("/school/feedback").text) == [path]
    # The e-mail to Asta carries the same link.
    [mail] = smtp_server.wait_for_mail_to("asta@skole.dk")
    assert f"https://testserver{path}" in smtp_server.text_of(mail)

    # Another school's coordinator sees none of it; other roles may not open the list.
    # A fixed name: the factory's made-up staff names could be "Asta" too.
    other = make_user(
        db, role=Role.COORDINATOR, organisation_id=make_school(db).id, full_name="Karen Holm"
    )
    assert "Asta" not in _as(client, db, other).get("/school/feedback").text
    assert _as(client, db, setting.counsellor).get("/school/feedback").status_code == 403
    assert _as(client, db, setting.ambassador_user).get("/school/feedback").status_code == 403


def test_the_pupil_answers_once_on_the_phone_in_danish_or_english(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    _logged(client, db, clock, setting)
    path = _coordinator_link(client, db, setting)

    danish = client.get(path)
    assert danish.status_code == 200
    assert '<html lang="da">' in danish.text
    assert 'name="viewport"' in danish.text
    assert "Sara" in danish.text
    assert "Holm" not in danish.text
    switched = client.post(
        "/language", data={"locale": "en", "next": path, "csrf_token": csrf_token(client, path)}
    )
    assert switched.headers["location"] == path
    english = client.get(path)
    assert "Did it help you think about your choice?" in english.text
    assert english.text.count('type="radio" id="rating-') == 5

    bad = _answer(client, path, rating="6", helped="maybe", comment="Mit CPR er 010310-1234")
    assert bad.status_code == 422
    text = bad.text
    assert 'id="rating-error"' in text
    assert 'id="helped-error"' in text
    assert "Do not write CPR numbers" in text
    assert "Mit CPR er 010310-1234" in text
    too_long = _answer(client, path, comment="x" * 1001)
    assert too_long.status_code == 422
    assert db.scalars(select(Feedback)).all() == []

    done = _answer(client, path)
    assert done.status_code == 303
    assert done.headers["location"] == "/feedback/thanks"
    assert "Thank you for your answer!" in client.get("/feedback/thanks").text
    [answer] = db.scalars(select(Feedback)).all()
    assert (answer.pupil_id, answer.meeting_id, answer.rating, answer.helped) == (
        setting.asta.id,
        setting.meeting.id,
        4,
        Helpfulness.PARTLY,
    )
    assert answer.comment == "Godt at høre om HTX."
    db.expire_all()
    [link] = db.scalars(select(PupilLink)).all()
    assert link.used_at == clock.now
    assert db.scalar(select(AuditEvent).where(AuditEvent.object_type == "feedback")) is not None

    again = client.get(path)
    twice = _answer(client, path, rating="1")
    assert again.status_code == twice.status_code == 410
    assert "You have already answered" in again.text
    assert len(db.scalars(select(Feedback)).all()) == 1
    # The coordinator's list now says she answered, with no link to hand out.
    page = _as(client, db, setting.coordinator).get("/school/feedback")
    assert "Answered" in page.text
    assert _LINK.findall(page.text) == []


def test_an_expired_link_gets_a_clear_page(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting
) -> None:
    _logged(client, db, clock, setting)
    path = _coordinator_link(client, db, setting)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")

    clock.advance(days=14, seconds=1)
    page = client.get(path)
    post = _answer(client, path)

    assert page.status_code == post.status_code == 410
    assert "The link has expired" in page.text
    assert db.scalars(select(Feedback)).all() == []
    assert _LINK.findall(_as(client, db, setting.coordinator).get("/school/feedback").text) == []


@pytest.mark.parametrize(
    "token",
    [
        "not-a-real-token",
        "a" * 22,
        "%00" * 22,
        "x" * 10_000,
        "%C3%A6%C3%B8%C3%A5" * 4,
        "%F0%9F%98%80",
        "..%2F..%2Fetc%2Fpasswd",
        "%ED%A0%80",
    ],
)
def test_hostile_tokens_get_the_friendly_page_never_an_error(
    client: TestClient, db: Session, token: str
) -> None:
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    page = client.get(f"/f/{token}")
    post = client.post(f"/f/{token}", data={"rating": "5", "csrf_token": csrf_token(client, "/")})

    assert page.status_code == post.status_code == 404, (page.status_code, post.status_code)
    if "%2F" not in token:  # a slash makes it another address: the site's own 404 page
        assert "The link does not work" in page.text
        assert "The link does not work" in post.text


def test_a_revoked_or_questionnaire_link_opens_nothing(
    client: TestClient, db: Session, setting: Setting, settings: Settings
) -> None:
    revoked = make_pupil_link(
        db,
        purpose=PupilLinkPurpose.FEEDBACK,
        pupil=setting.asta,
        meeting=setting.meeting,
        revoked_at=setting.meeting.starts_at,
    )
    url = feedback.link_url(settings, revoked)
    # A factory link has a random hash, so no token of ours matches it.
    assert url is None
    revoked.token_hash = hash_token("A" * 22)
    questionnaire = make_pupil_link(db, pupil=setting.asta, token_hash=hash_token("B" * 22))
    db.flush()

    assert client.get("/f/" + "A" * 22).status_code == 404
    assert client.get("/f/" + "B" * 22).status_code == 404
    assert questionnaire.used_at is None


def test_a_changed_secret_key_shows_no_link_that_would_not_work(
    client: TestClient, db: Session, clock: FakeClock, setting: Setting, settings: Settings
) -> None:
    _logged(client, db, clock, setting)
    [link] = db.scalars(select(PupilLink)).all()

    assert feedback.link_url(settings, link) is not None
    other = settings.model_copy(update={"secret_key": SecretStr("another-" * 8)})
    assert feedback.link_url(other, link) is None


def test_an_ambassador_sees_the_average_from_three_answers_on_in_steps_of_three(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    user = make_user(db, role=Role.AMBASSADOR)
    ambassador = make_ambassador(db, user=user)
    school = make_school(db)
    sign_in(client, db, user)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    other = make_meeting(db, school=school)
    make_feedback(db, meeting=other, pupil=make_pupil(db, school=school), rating=1)

    def add(rating: int, minutes: int) -> None:
        pupil = make_pupil(db, school=school)
        make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        meeting = make_meeting(db, ambassador=ambassador, school=school)
        make_meeting_participant(db, meeting=meeting, pupil=pupil)
        make_feedback(
            db,
            meeting=meeting,
            pupil=pupil,
            rating=rating,
            submitted_at=clock.now + timedelta(minutes=minutes),
        )

    add(5, 1)
    add(4, 2)
    page = client.get("/ambassador/feedback")
    assert page.status_code == 200
    assert "Not enough answers yet" in page.text
    assert "4.5" not in page.text

    add(3, 3)
    page = client.get("/ambassador/feedback")
    assert "4.0 / 5" in page.text
    assert "Not enough answers yet" not in page.text

    # A fourth answer does not move the number (it would give that answer away).
    add(1, 4)
    assert "4.0 / 5" in client.get("/ambassador/feedback").text
    summary = feedback.ambassador_rating(db, user=user)
    assert (summary.answers, summary.counted) == (4, 3)
    add(1, 5)
    add(1, 6)
    assert "2.5 / 5" in client.get("/ambassador/feedback").text
    assert feedback.MIN_ANSWERS_SHOWN == 3
