"""A run's scope is what the counsellor ticked on the start form, through HTTP."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from mentor.db import utcnow
from mentor.models import MatchRun, MatchRunPupil, Pupil, Role
from tests.factories import make_ambassador, make_counsellor_school, make_pupil, make_school
from tests.web import log_in_as, post_form


def test_one_school_ticked_runs_one_school(client: TestClient, db: Session) -> None:
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    schools = [make_school(db, name=name) for name in ("Aabenraa Skole", "Bøgeskolen")]
    for school in schools:
        make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
        for _ in range(2):
            make_pupil(db, school_id=school.id, questionnaire_completed_at=utcnow())
    make_ambassador(db, capacity=4)
    wanted = schools[1]
    start = client.get("/matching")
    # Nothing is ticked for the counsellor: ticking one school runs one school.
    assert not re.search(r'name="school_\d+"[^>]*checked', start.text)
    response = post_form(client, "/matching/runs", {f"school_{wanted.id}": "1"})
    assert response.status_code == 303, response.text
    run = db.scalars(select(MatchRun)).one()
    schools_in_run = set(
        db.scalars(
            select(Pupil.school_id).join(MatchRunPupil, MatchRunPupil.pupil_id == Pupil.id)
        ).all()
    )
    assert schools_in_run == {wanted.id}
    assert run.scope["school_ids"] == [wanted.id]
    page = client.get(response.headers["location"])
    main = page.text.split("<main", 1)[1]
    assert "Aabenraa Skole" not in main
    assert "Bøgeskolen" in main
