"""The pupil page says what the pupil answered about an ambassador from their own school."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import Role
from tests.factories import make_pupil, make_school
from tests.web import log_in_as


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (True, "Vil gerne have en ambassadør, der har gået på samme skole."),
        (False, "Vil hellere have en ambassadør fra en anden skole."),
        (None, "Er ligeglad med, hvilken skole ambassadøren har gået på."),
    ],
)
def test_the_alumnus_answer_is_shown_as_the_pupil_gave_it(
    client: TestClient, db: Session, answer: bool | None, shown: str
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, wants_alumnus=answer, questionnaire_completed_at=utcnow())
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    page = client.get(f"/pupils/{pupil.id}")

    assert page.status_code == 200
    assert shown in page.text
