"""Why a pair was proposed: a run stores facts, and each reader gets them worded to them.

The counsellor's preview names both people; the ambassador reads "you"; nothing is said that the
facts do not hold (no free times when the pupil gave none, no grade the ambassador did not ask for).
"""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from mentor.db import utcnow
from mentor.models import Ambassador, MatchRunPupil, Pupil, Role, User
from mentor.web.middleware import LOCALE_COOKIE
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_interest,
    make_programme,
    make_pupil,
    make_pupil_interest,
    make_pupil_programme_interest,
    make_school,
    make_user,
)
from tests.web import log_in_as, post_form, sign_in


def main_text(page: str) -> str:
    """The page's <main>, tags dropped and whitespace squeezed: what a reader reads."""
    main = page[page.index("<main") : page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _pair(client: TestClient, db: Session) -> tuple[int, Pupil, Ambassador]:
    """A counsellor's school with Yasmin, and Sara, who studies what Yasmin wishes and shares two
    of her interests; Yasmin gave no free times (pupils are never asked) and Sara listed no
    grade."""
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    school = make_school(db, name="Hertug Hans Skole")
    make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
    htx = make_programme(db, code="HTX")
    robots = make_interest(db, label_da="Robotter", label_en="Robots")
    music = make_interest(db, label_da="Musik", label_en="Music")
    yasmin = make_pupil(
        db,
        school_id=school.id,
        first_name="Yasmin",
        last_name="Hansen",
        grade=8,
        languages=["da"],
        availability=[],
        questionnaire_completed_at=utcnow(),
    )
    for interest in (robots, music):
        make_pupil_interest(db, pupil_id=yasmin.id, interest_id=interest.id)
    make_pupil_programme_interest(db, pupil_id=yasmin.id, programme_id=htx.id, rank=1)
    sara = make_ambassador(
        db,
        user=make_user(db, role=Role.AMBASSADOR, full_name="Sara Jensen", last_login_at=utcnow()),
        programme_id=htx.id,
        interests=[robots, music],
        languages=["da", "en"],
        preferred_grades=[],
        capacity=1,
    )
    response = post_form(client, "/matching/runs", {f"school_{school.id}": "1"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1]), yasmin, sara


def test_a_run_stores_the_facts_behind_each_reason(client: TestClient, db: Session) -> None:
    run_id, yasmin, sara = _pair(client, db)

    row = db.scalars(select(MatchRunPupil).where(MatchRunPupil.run_id == run_id)).one()
    assert (row.pupil_id, row.ambassador_id) == (yasmin.id, sara.id)
    assert row.explanation is not None
    facts = {r["feature"]: r["facts"] for r in row.explanation["reasons"]}
    assert facts == {
        "programme_fit": {"programme": "HTX", "wished_programmes": ["HTX"]},
        "interest_similarity": {
            "shared_interests": [{"da": "Musik", "en": "Music"}, {"da": "Robotter", "en": "Robots"}]
        },
        "language_match": {"shared_languages": [{"da": "dansk", "en": "Danish"}]},
    }
    # Sentences are the pages' business, not the database's.
    assert all(set(r) == {"feature", "contribution", "facts"} for r in row.explanation["reasons"])


def test_the_preview_names_both_people_in_the_counsellors_language(
    client: TestClient, db: Session
) -> None:
    run_id, _, _ = _pair(client, db)

    danish = main_text(client.get(f"/matching/runs/{run_id}").text)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    english = main_text(client.get(f"/matching/runs/{run_id}").text)

    assert "Sara Jensen går på HTX, som Yasmin Hansen overvejer." in danish
    assert "Yasmin Hansen og Sara Jensen deler interessen for »Musik« og »Robotter«." in danish
    assert "Yasmin Hansen og Sara Jensen taler begge dansk." in danish
    assert "Sara Jensen studies HTX, which Yasmin Hansen is considering." in english
    assert "Yasmin Hansen and Sara Jensen share an interest in “Music” and “Robots”." in english
    assert "Yasmin Hansen and Sara Jensen both speak Danish." in english
    # The run's scoring model is named in words, not as the raw label "default".
    assert "the built-in weights" in english
    assert "default" not in english


def test_the_ambassador_reads_you_and_nothing_the_facts_do_not_hold(
    client: TestClient, db: Session
) -> None:
    run_id, _, sara = _pair(client, db)
    assert post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"}).status_code
    sign_in(client, db, db.get_one(User, sara.user_id))

    danish = main_text(client.get("/ambassador/mentees").text)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    english = main_text(client.get("/ambassador/mentees").text)

    assert "Du går på HTX, som Yasmin overvejer." in danish
    assert "Du og Yasmin deler interessen for »Musik« og »Robotter«." in danish
    assert "You study HTX, which Yasmin is considering." in english
    assert "You and Yasmin share an interest in “Music” and “Robots”." in english
    # Yasmin gave no free times and Sara asked for no grade: neither is claimed.
    for claim in ("free", "grade 8", "slot"):
        assert claim not in english
    for claim in ("ledig", "tid på samme", "8. klasse, et af"):
        assert claim not in danish
