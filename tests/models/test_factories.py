"""Every model has a factory in tests/factories.py, and each one builds a valid row."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from mentor.models import Base, PupilLinkPurpose
from tests import factories

# Where the factory's name is not make_<snake_case class name>.
RENAMED = {"ScoringModelRecord": "make_scoring_model"}

MODELS = sorted(mapper.class_.__name__ for mapper in Base.registry.mappers)


def _factory_for(model: str) -> Callable[..., Any] | None:
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", model).lower()
    factory: Callable[..., Any] | None = getattr(
        factories, RENAMED.get(model, f"make_{snake}"), None
    )
    return factory


def test_every_model_has_a_factory() -> None:
    assert [model for model in MODELS if _factory_for(model) is None] == []


@pytest.mark.parametrize("model", MODELS)
def test_factory_builds_a_persistent_row(db: Session, model: str) -> None:
    factory = _factory_for(model)
    assert factory is not None
    row = factory(db)
    assert type(row).__name__ == model
    assert inspect(row).persistent


def test_factories_link_the_parents_they_are_given(db: Session) -> None:
    school = factories.make_school(db)
    pupil = factories.make_pupil(db, school=school, grade=10)
    link = factories.make_pupil_link(db, pupil_id=pupil.id, purpose=PupilLinkPurpose.FEEDBACK)
    assert pupil.school_id == school.id
    assert pupil.last_school_year == 2027
    assert link.pupil_id == pupil.id
    assert link.meeting_id is not None
