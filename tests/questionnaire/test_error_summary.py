"""The questionnaire's error summary: focused when the page comes back, a link to each field."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_interest, make_programme, make_school, make_user
from tests.questionnaire.helpers import link_for, pupil_in
from tests.web import csrf_token

_SUMMARY = re.compile(
    r'<div class="form-error error-summary" id="error-summary"[^>]*>(.*?)</div>', re.S
)
_LINK = re.compile(r'<a href="#([\w-]+)">([^<]*)</a>')


def test_each_error_in_the_summary_links_to_its_field(client: TestClient, db: Session) -> None:
    interest = make_interest(db)
    first, second = make_programme(db), make_programme(db)
    pupil = pupil_in(db, make_school(db))
    link = link_for(client, db, pupil, make_user(db, role=Role.COORDINATOR))
    answers = {
        "interest": [str(interest.id)],
        "programme_1": str(first.id),
        "programme_2": str(first.id),
        "programme_3": str(second.id),
        "language": ["xx"],
        "conversation_wish": "x" * 1001,
        "wants_alumnus": "",
        "csrf_token": csrf_token(client, link),
    }

    page = client.post(link, data=answers)

    assert page.status_code == 422
    summary = _SUMMARY.search(page.text)
    assert summary, "no error summary"
    opening = summary.group(0).split(">", 1)[0]
    assert 'tabindex="-1"' in opening  # focus moves to the summary
    assert "autofocus" in opening
    links = dict(_LINK.findall(summary.group(1)))
    assert set(links) == {"programme_2", "language-da", "conversation_wish", "wants_alumnus-yes"}
    for target in links:
        assert f'id="{target}"' in page.text, target  # the field the link points at exists
    assert "Du har allerede valgt denne uddannelse. Vælg en anden." in links["programme_2"]
    assert "Teksten er for lang." in links["conversation_wish"]
    assert "Vælg et af svarene." in links["wants_alumnus-yes"]


def test_the_summary_works_when_the_catalogue_has_no_interests(
    client: TestClient, db: Session
) -> None:
    programme = make_programme(db)
    pupil = pupil_in(db, make_school(db))
    link = link_for(client, db, pupil, make_user(db, role=Role.COORDINATOR))
    answers = {
        "programme_1": str(programme.id),
        "programme_2": str(programme.id),
        "wants_alumnus": "any",
        "csrf_token": csrf_token(client, link),
    }

    page = client.post(link, data=answers)

    assert page.status_code == 422
    assert '<a href="#programme_2">' in page.text
