"""The exit question when a counsellor closes a match: the links and e-mails, the pupil's page,
the ambassador's page, each answered once, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.matches import exit_questions
from mentor.models import (
    ExitAnswer,
    ExitRespondent,
    MatchState,
    OutboxEmail,
    PupilLink,
    PupilLinkPurpose,
    Role,
)
from tests.conftest import FakeClock
from tests.factories import make_ambassador, make_match, make_user
from tests.pupils.casework import Casework, casework
from tests.web import post_form, sign_in


@pytest.fixture
def case(db: Session) -> Casework:
    return casework(db)


def _end(client: TestClient, db: Session, case: Casework, **asks: str) -> None:
    sign_in(client, db, case.counsellor)
    response = post_form(
        client,
        f"/pupils/{case.pupil.id}/matches/{case.match.id}/end",
        {"reason": "applied", **asks},
    )
    assert response.status_code == 303, response.text


def _links(db: Session) -> list[PupilLink]:
    return list(db.scalars(select(PupilLink).where(PupilLink.purpose == PupilLinkPurpose.EXIT)))


def _mails(db: Session, to: str) -> list[OutboxEmail]:
    return list(db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == to)))


def _answers(db: Session) -> int:
    return db.scalar(select(func.count(ExitAnswer.id))) or 0


def _pupil_path(db: Session, settings: Settings) -> str:
    (link,) = _links(db)
    url = exit_questions.link_url(settings, link)
    assert url is not None
    return url.removeprefix(settings.base_url)


def test_the_end_form_offers_the_exit_questions_for_an_accepted_match(
    db: Session, client: TestClient, case: Casework
) -> None:
    sign_in(client, db, case.counsellor)
    page = client.get(f"/pupils/{case.pupil.id}").text
    assert 'name="ask_pupil"' in page
    assert 'name="ask_ambassador"' in page


def test_closing_with_both_questions_sends_a_link_to_the_pupil_and_asks_the_ambassador(
    db: Session, client: TestClient, case: Casework, clock: FakeClock, settings: Settings
) -> None:
    _end(client, db, case, ask_pupil="1", ask_ambassador="1")
    (link,) = _links(db)
    assert (link.pupil_id, link.match_id) == (case.pupil.id, case.match.id)
    assert link.expires_at == clock.now + timedelta(days=14)
    path = _pupil_path(db, settings)
    assert path.startswith("/x/")
    (to_pupil,) = _mails(db, "ida@skole.dk")
    assert path in to_pupil.body_text
    to_ambassador = [
        mail
        for mail in _mails(db, case.ambassador_user.email)
        if f"/ambassador/exit/{case.match.id}" in mail.body_text
    ]
    assert len(to_ambassador) == 1

    # The school's coordinator can hand the link out.
    sign_in(client, db, case.coordinator)
    links_page = client.get("/school/feedback").text
    assert "Afslutningsspørgsmål efter et match" in links_page
    assert path in links_page


def test_closing_without_the_questions_asks_nothing(
    db: Session, client: TestClient, case: Casework
) -> None:
    _end(client, db, case)
    assert _links(db) == []
    assert _mails(db, "ida@skole.dk") == []
    sign_in(client, db, case.ambassador_user)
    assert client.get(f"/ambassador/exit/{case.match.id}").status_code == 404


def test_a_withdrawn_proposal_asks_nothing(db: Session, client: TestClient, case: Casework) -> None:
    db.delete(case.match)
    db.flush()
    proposal = make_match(db, pupil=case.pupil, ambassador=case.ambassador)
    sign_in(client, db, case.counsellor)
    response = post_form(
        client,
        f"/pupils/{case.pupil.id}/matches/{proposal.id}/end",
        {"reason": "applied", "ask_pupil": "1", "ask_ambassador": "1"},
    )
    assert response.status_code == 303
    assert _links(db) == []


def test_the_pupil_answers_once(
    db: Session, client: TestClient, case: Casework, settings: Settings
) -> None:
    _end(client, db, case, ask_pupil="1")
    path = _pupil_path(db, settings)
    client.cookies.clear()
    page = client.get(path)
    assert page.status_code == 200
    assert "Hej Ida!" in page.text
    assert "Sara" in page.text
    # No script but the language switch's, which keeps what was typed (and is not needed).
    assert page.text.count("<script") == 1
    assert 'src="/static/js/language-switch.js"' in page.text

    response = post_form(client, path, {"rating": "4", "comment": " Det hjalp. "}, token_from=path)
    assert response.status_code == 303
    assert response.headers["location"] == "/feedback/thanks"
    answer = db.scalars(select(ExitAnswer)).one()
    assert (answer.match_id, answer.respondent, answer.rating, answer.comment) == (
        case.match.id,
        ExitRespondent.PUPIL,
        4,
        "Det hjalp.",
    )
    again = client.get(path)
    assert again.status_code == 410
    assert "allerede svaret" in again.text
    assert "Ida" not in again.text
    second = post_form(client, path, {"rating": "1"})
    assert second.status_code == 410
    assert _answers(db) == 1


def test_both_questions_are_optional(
    db: Session, client: TestClient, case: Casework, settings: Settings
) -> None:
    _end(client, db, case, ask_pupil="1")
    path = _pupil_path(db, settings)
    client.cookies.clear()
    assert post_form(client, path, {}, token_from=path).status_code == 303
    answer = db.scalars(select(ExitAnswer)).one()
    assert (answer.rating, answer.comment) == (None, None)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"rating": "7"}, "Vælg et tal fra 1 til 5"),
        ({"rating": "\x00"}, "Vælg et tal fra 1 til 5"),
        ({"comment": "x" * 1001}, "Højst 1000 tegn"),
        ({"comment": "x" * 10_000}, "Højst 1000 tegn"),
        ({"comment": "Mit cpr er 010203-1234"}, "CPR"),
        ({"comment": "nul\x00"}, "tegn, der ikke er tilladt"),
    ],
)
def test_a_bad_answer_comes_back_and_writes_nothing(
    db: Session,
    client: TestClient,
    case: Casework,
    settings: Settings,
    form: dict[str, str],
    message: str,
) -> None:
    _end(client, db, case, ask_pupil="1")
    path = _pupil_path(db, settings)
    client.cookies.clear()
    response = post_form(client, path, form, token_from=path)
    assert response.status_code == 422
    assert message in response.text
    assert _answers(db) == 0
    assert _links(db)[0].used_at is None


def test_an_expired_or_unknown_link_opens_nothing(
    db: Session, client: TestClient, case: Casework, clock: FakeClock, settings: Settings
) -> None:
    _end(client, db, case, ask_pupil="1")
    path = _pupil_path(db, settings)
    client.cookies.clear()
    clock.advance(days=14, seconds=1)
    expired = client.get(path)
    assert expired.status_code == 410
    assert "udløbet" in expired.text
    for token in ("A" * 22, "kort", "x" * 5000, "%00" * 22, "../../etc"):
        response = client.get(f"/x/{token}")
        assert response.status_code in (404, 410), token
    # A feedback link's token is no exit link.
    assert client.get("/x/" + path.removeprefix("/x/")[::-1]).status_code == 404


def test_the_ambassador_answers_once_behind_the_login(
    db: Session, client: TestClient, case: Casework
) -> None:
    _end(client, db, case, ask_ambassador="1")
    url = f"/ambassador/exit/{case.match.id}"
    sign_in(client, db, case.ambassador_user)
    page = client.get(url)
    assert page.status_code == 200
    assert "Ida" in page.text

    bad = post_form(client, url, {"rating": "9", "comment": "Godt"})
    assert bad.status_code == 422
    assert "Godt" in bad.text
    assert _answers(db) == 0

    assert post_form(client, url, {"rating": "5", "comment": "Godt samarbejde."}).status_code == 303
    answer = db.scalars(select(ExitAnswer)).one()
    assert (answer.respondent, answer.rating) == (ExitRespondent.AMBASSADOR, 5)
    assert "Tak: dit svar er gemt." in client.get(url).text
    assert post_form(client, url, {"rating": "1"}).status_code == 409
    assert _answers(db) == 1


def test_only_the_asked_ambassador_opens_the_exit_page(
    db: Session, client: TestClient, case: Casework
) -> None:
    _end(client, db, case, ask_ambassador="1")
    url = f"/ambassador/exit/{case.match.id}"
    stranger = make_user(db, role=Role.AMBASSADOR)
    make_ambassador(db, user=stranger)
    sign_in(client, db, stranger)
    assert client.get(url).status_code == 404
    assert post_form(client, url, {"rating": "1"}).status_code == 404
    for role in (Role.COORDINATOR, Role.COUNSELLOR, Role.ADMIN):
        sign_in(client, db, make_user(db, role=role))
        assert client.get(url).status_code == 403
    sign_in(client, db, case.ambassador_user)
    assert client.get("/ambassador/exit/99999999999").status_code == 404
    # Another closed match of the same ambassador, not asked about.
    other = make_match(db, ambassador=case.ambassador, state=MatchState.CLOSED)
    assert client.get(f"/ambassador/exit/{other.id}").status_code == 404
    assert _answers(db) == 0


def test_the_pupils_page_speaks_english_too(
    db: Session, client: TestClient, case: Casework, settings: Settings
) -> None:
    _end(client, db, case, ask_pupil="1")
    path = _pupil_path(db, settings)
    client.cookies.clear()
    assert "Hej Ida!" in client.get(path).text
    switched = post_form(client, "/language", {"locale": "en", "next": path}, token_from=path)
    assert switched.status_code == 303
    page = client.get(path).text
    assert 'lang="en"' in page
    assert "Hi Ida!" in page
    assert "as your ambassador has ended" in page
