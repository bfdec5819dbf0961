"""The policy's scoped queries: which pupils each role may see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mentor.models import MatchState, Role
from mentor.policy import (
    ROLE_PERMISSIONS,
    Permission,
    can_view_pupil,
    has_permission,
    visible_pupils,
)
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_pupil,
    make_school,
    make_user,
)


def _visible(db: Session, user_id: int) -> set[int]:
    from mentor.models import User

    user = db.get(User, user_id)
    assert user is not None
    return {pupil.id for pupil in db.scalars(visible_pupils(user))}


def test_each_role_sees_only_the_pupils_its_work_needs(db: Session) -> None:
    north, south = make_school(db), make_school(db)
    north_pupil = make_pupil(db, school=north)
    south_pupil = make_pupil(db, school=south)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=north)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=south)
    admin = make_user(db, role=Role.ADMIN)
    ambassador_user = make_user(db, role=Role.AMBASSADOR)
    ambassador = make_ambassador(db, user=ambassador_user)
    make_match(db, pupil=south_pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
    former = make_pupil(db, school=south)
    make_match(db, pupil=former, ambassador=ambassador, state=MatchState.DECLINED)

    assert _visible(db, counsellor.id) == {north_pupil.id}
    assert _visible(db, coordinator.id) == {south_pupil.id, former.id}
    assert _visible(db, ambassador_user.id) == {south_pupil.id}
    assert _visible(db, admin.id) == set()  # admins run the programme, not casework
    assert can_view_pupil(db, counsellor, north_pupil.id)
    assert not can_view_pupil(db, counsellor, south_pupil.id)
    assert not can_view_pupil(db, ambassador_user, former.id)


def test_permissions_follow_the_role_and_a_disabled_user_has_none(db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    assert has_permission(admin, Permission.MANAGE_USERS)
    admin.is_active = False
    assert not has_permission(admin, Permission.MANAGE_USERS)
    for role in Role:
        if role is not Role.ADMIN:
            assert Permission.MANAGE_USERS not in ROLE_PERMISSIONS[role]
