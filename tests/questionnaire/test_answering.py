"""The pupil answers by link: no login, one pupil's questionnaire, answers saved and updated."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import (
    AuditEvent,
    Interest,
    Programme,
    Pupil,
    PupilInterest,
    PupilLink,
    PupilProgrammeInterest,
    Role,
)
from tests.factories import make_interest, make_programme, make_school, make_user
from tests.questionnaire.helpers import link_for, pupil_in
from tests.web import csrf_token


@pytest.fixture
def catalogue(db: Session) -> tuple[list[Interest], list[Programme]]:
    interests = [make_interest(db) for _ in range(3)]
    programmes = [make_programme(db) for _ in range(3)]
    return interests, programmes


@pytest.fixture
def pupil(db: Session) -> Pupil:
    return pupil_in(db, make_school(db), first_name="Asta", last_name="Østergaard")


@pytest.fixture
def link(client: TestClient, db: Session, pupil: Pupil) -> str:
    return link_for(client, db, pupil, make_user(db, role=Role.COORDINATOR))


def _answers(
    interests: list[Interest], programmes: list[Programme], **overrides: object
) -> dict[str, object]:
    values: dict[str, object] = {
        "interest": [str(interests[0].id), str(interests[2].id)],
        "programme_1": str(programmes[1].id),
        "programme_2": "",
        "programme_3": str(programmes[0].id),
        "language": ["da", "ar"],
        "conversation_wish": "Hvordan er en skoledag på HTX?",
        "wants_alumnus": "yes",
    }
    return values | overrides


def _post(client: TestClient, link: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(link, data={**data, "csrf_token": csrf_token(client, link)})


def _ranked(db: Session, pupil_id: int) -> list[int]:
    return list(
        db.scalars(
            select(PupilProgrammeInterest.programme_id)
            .where(PupilProgrammeInterest.pupil_id == pupil_id)
            .order_by(PupilProgrammeInterest.rank)
        )
    )


def _interests(db: Session, pupil_id: int) -> set[int]:
    query = select(PupilInterest.interest_id).where(PupilInterest.pupil_id == pupil_id)
    return set(db.scalars(query))


def test_the_link_opens_the_pupils_questionnaire_with_first_name_only(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
) -> None:
    interests, programmes = catalogue
    classmate = pupil_in(db, make_school(db), first_name="Bjørn", last_name="Bæk")

    page = client.get(link)

    assert page.status_code == 200
    assert "Hej Asta!" in page.text
    assert "Østergaard" not in page.text
    assert "Log ind" not in page.text  # no account, no login link on the pupil's pages
    assert '<a href="/accessibility">Tilgængelighedserklæring</a>' in page.text
    assert f'id="interest-{interests[0].id}"' in page.text
    for rank in range(1, 6):
        assert f'<label for="programme_{rank}">{rank}. valg</label>' in page.text
    assert programmes[0].name_da in page.text
    assert "<legend>Hvilke sprog taler I derhjemme?</legend>" in page.text
    assert 'maxlength="1000"' in page.text
    # Works without JavaScript; the one script only keeps the answers typed across a change of
    # language (static/js/language-switch.js).
    assert page.text.count("<script") == 1
    assert '<script src="/static/js/language-switch.js" defer></script>' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert classmate.first_name not in page.text
    assert classmate.last_name not in page.text


def test_answering_saves_everything_and_thanks_the_pupil(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
) -> None:
    interests, programmes = catalogue

    response = _post(client, link, _answers(interests, programmes))

    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{link}/thanks"
    thanks = client.get(response.headers["location"])
    assert "Tak, Asta!" in thanks.text
    db.expire_all()
    saved = db.get(Pupil, pupil.id)
    assert saved is not None
    assert _interests(db, pupil.id) == {interests[0].id, interests[2].id}
    assert _ranked(db, pupil.id) == [programmes[1].id, programmes[0].id]  # the gap is closed
    assert saved.languages == ["da", "ar"]
    assert saved.conversation_wish == "Hvordan er en skoledag på HTX?"
    assert saved.wants_alumnus is True
    assert saved.questionnaire_completed_at is not None
    [event] = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "questionnaire_answered")
    ).all()
    assert event.actor_id is None
    assert event.pupil_id == pupil.id
    assert event.ip is None
    used = db.scalar(select(PupilLink.used_at).where(PupilLink.pupil_id == pupil.id))
    assert used is not None


def test_answering_again_shows_and_updates_the_answers(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
) -> None:
    interests, programmes = catalogue
    _post(client, link, _answers(interests, programmes, conversation_wish="<b>fed</b> & mere"))

    again = client.get(link)
    assert "Du har svaret før." in again.text
    assert f'value="{interests[2].id}" checked' in again.text
    assert 'value="ar" checked' in again.text
    assert f'<option value="{programmes[1].id}" selected>' in again.text
    assert "&lt;b&gt;fed&lt;/b&gt; &amp; mere" in again.text  # escaped, never markup
    assert 'value="yes" checked' in again.text

    changed = _answers(
        interests,
        programmes,
        interest=[str(interests[1].id)],
        programme_1=str(programmes[2].id),
        programme_3="",
        language=["uk", "other"],
        conversation_wish="",
        wants_alumnus="any",
    )
    assert _post(client, link, changed).status_code == 303

    db.expire_all()
    saved = db.get(Pupil, pupil.id)
    assert saved is not None
    assert _interests(db, pupil.id) == {interests[1].id}
    assert _ranked(db, pupil.id) == [programmes[2].id]
    assert saved.languages == ["uk", "other"]
    assert saved.conversation_wish is None
    assert saved.wants_alumnus is None
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "questionnaire_answered"))
    assert [e.details["first_time"] for e in events] == [True, False]


def test_the_same_programme_twice_is_refused_and_nothing_is_written(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
) -> None:
    interests, programmes = catalogue
    data = _answers(interests, programmes, programme_2=str(programmes[1].id))

    response = _post(client, link, data)

    assert response.status_code == 422
    assert "Du har allerede valgt denne uddannelse. Vælg en anden." in response.text
    assert 'id="programme_2-error"' in response.text
    assert f'value="{interests[2].id}" checked' in response.text  # the pupil's choices kept
    assert "Hvordan er en skoledag på HTX?" in response.text
    db.expire_all()
    assert db.get(Pupil, pupil.id).questionnaire_completed_at is None  # type: ignore[union-attr]
    assert _interests(db, pupil.id) == set()


def test_bad_answers_are_refused_next_to_their_field(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
) -> None:
    interests, programmes = catalogue
    retired = make_interest(db, active=False)
    closed = make_programme(db, valid_to=date.today() - timedelta(days=400))
    page = client.get(link).text
    assert f'id="interest-{retired.id}"' not in page
    assert f'<option value="{closed.id}"' not in page

    for overrides, field, message in (
        ({"interest": [str(retired.id)]}, "interests", "Vælg en af mulighederne."),
        ({"programme_1": str(closed.id)}, "programme_1", "Vælg en af mulighederne."),
        ({"language": ["xx"]}, "languages", "Vælg en af mulighederne."),
        ({"conversation_wish": "x" * 1001}, "conversation_wish", "Teksten er for lang."),
        ({"wants_alumnus": ""}, "wants_alumnus", "Vælg et af svarene."),
    ):
        response = _post(client, link, _answers(interests, programmes, **overrides))
        assert response.status_code == 422, field
        assert f'id="{field}-error">{message}' in response.text, field
    db.expire_all()
    assert db.get(Pupil, pupil.id).questionnaire_completed_at is None  # type: ignore[union-attr]


@pytest.mark.parametrize("how", ["revoked", "expired", "archived"])
def test_a_link_that_no_longer_works_is_refused_and_changes_nothing(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
    how: str,
) -> None:
    interests, programmes = catalogue
    token = csrf_token(client, "/")
    if how == "revoked":
        db.execute(update(PupilLink).values(revoked_at=utcnow()))
    elif how == "expired":
        db.execute(
            update(PupilLink).values(
                created_at=utcnow() - timedelta(days=31), expires_at=utcnow() - timedelta(days=1)
            )
        )
    else:
        db.execute(update(Pupil).where(Pupil.id == pupil.id).values(status="archived"))

    page = client.get(link)
    posted = client.post(link, data={**_answers(interests, programmes), "csrf_token": token})

    for response in (page, posted, client.get(f"{link}/thanks")):
        assert response.status_code == 410
        assert "Linket virker ikke" in response.text
        assert "Asta" not in response.text
    db.expire_all()
    assert db.get(Pupil, pupil.id).questionnaire_completed_at is None  # type: ignore[union-attr]
    assert _interests(db, pupil.id) == set()


def test_an_unknown_link_gets_the_same_friendly_page(client: TestClient) -> None:
    response = client.get("/q/ikke-et-rigtigt-link")

    assert response.status_code == 404
    assert "Linket virker ikke" in response.text
    assert "Spørg din lærer" in response.text


def test_answering_needs_the_csrf_token_of_this_browser(
    client: TestClient,
    db: Session,
    pupil: Pupil,
    link: str,
    catalogue: tuple[list[Interest], list[Programme]],
) -> None:
    interests, programmes = catalogue
    stranger = TestClient(client.app, base_url="https://testserver")
    foreign = csrf_token(stranger, link)

    missing = client.post(link, data=_answers(interests, programmes))
    stolen = client.post(link, data={**_answers(interests, programmes), "csrf_token": foreign})

    assert missing.status_code == stolen.status_code == 403
    db.expire_all()
    assert db.get(Pupil, pupil.id).questionnaire_completed_at is None  # type: ignore[union-attr]


def test_the_language_switch_keeps_the_pupil_on_the_questionnaire(
    client: TestClient, link: str
) -> None:
    response = client.post(
        "/language", data={"locale": "en", "next": link, "csrf_token": csrf_token(client, link)}
    )

    assert response.status_code == 303
    assert response.headers["location"] == link
    page = client.get(link)
    assert '<html lang="en">' in page.text
    assert "Hi Asta!" in page.text
    assert "1st choice" in page.text
