"""Shared set-up for the questionnaire tests: a school with a class, and links made for it."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Organisation, Pupil, Role, User
from mentor.questionnaire import service
from mentor.questionnaire.forms import Delivery
from tests.factories import make_pupil, make_school
from tests.web import log_in_as

LINK = re.compile(r"https://testserver/q/([\w-]+)")


def coordinator_of(client: TestClient, db: Session, school: Organisation) -> User:
    return log_in_as(client, db, Role.COORDINATOR, organisation_id=school.id)


def pupil_in(db: Session, school: Organisation, class_name: str = "8.A", **overrides: Any) -> Pupil:
    values: dict[str, Any] = {"school": school, "grade": 8, "class_name": class_name}
    return make_pupil(db, **(values | overrides))


def link_for(client: TestClient, db: Session, pupil: Pupil, actor: User) -> str:
    """Make a questionnaire link through the service; returns its path (/q/<token>)."""
    school = db.get(Organisation, pupil.school_id)
    assert school is not None
    settings = client.app.state.settings  # type: ignore[attr-defined]
    [issued] = service.issue_links(
        db, actor=actor, school=school, pupils=[pupil], delivery=Delivery.SHEET, settings=settings
    )
    match = LINK.search(issued.url)
    assert match
    return f"/q/{match.group(1)}"


def a_school(db: Session) -> Organisation:
    return make_school(db)
