"""Where each role belongs: the organisation must be of a kind that fits the role."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.accounts.service import invite_user, update_user
from mentor.config import Settings
from mentor.errors import InvalidInput
from mentor.models import OutboxEmail, Role, User
from tests.factories import make_guidance_unit, make_institution, make_school, make_user


@pytest.mark.parametrize(
    ("role", "wrong", "right"),
    [
        (Role.COORDINATOR, make_institution, make_school),
        (Role.AMBASSADOR, make_school, make_institution),
        (Role.COUNSELLOR, make_school, make_guidance_unit),
    ],
)
def test_an_invitation_needs_an_organisation_of_the_right_kind(
    db: Session, settings: Settings, role: Role, wrong: object, right: object
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    wrong_place = wrong(db)  # type: ignore[operator]
    right_place = right(db)  # type: ignore[operator]

    with pytest.raises(InvalidInput) as refused:
        invite_user(
            db,
            actor=admin,
            email="ny@haderslev.dk",
            full_name="Ny Person",
            role=role,
            organisation_id=wrong_place.id,
            locale="da",
            settings=settings,
        )
    assert "organisation_id" in refused.value.field_errors
    assert db.scalars(select(OutboxEmail)).all() == []

    user = invite_user(
        db,
        actor=admin,
        email="ny@haderslev.dk",
        full_name="Ny Person",
        role=role,
        organisation_id=right_place.id,
        locale="da",
        settings=settings,
    )
    assert user.organisation_id == right_place.id


def test_a_role_change_checks_the_organisation_too(db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    coordinator = make_user(db, role=Role.COORDINATOR)
    with pytest.raises(InvalidInput):
        update_user(
            db,
            actor=admin,
            user=coordinator,
            role=Role.AMBASSADOR,
            organisation_id=coordinator.organisation_id,
        )
    db.expire_all()
    assert db.get(User, coordinator.id).role is Role.COORDINATOR  # type: ignore[union-attr]
