"""A school's people: its coordinators, the counsellors who follow it, and a meeting's ambassador.

The one place that answers "who at this school is told", for the hand-over after accept, the
meeting invitations, the reminders and the follow-up flags. Only active accounts, in name order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import Ambassador, CounsellorSchool, Role, User


def coordinators_by_school(db: Session, school_ids: Collection[int]) -> dict[int, list[User]]:
    """Each school's active coordinators: one query for any number of schools."""
    if not school_ids:
        return {}
    found: defaultdict[int, list[User]] = defaultdict(list)
    coordinators = db.scalars(
        select(User)
        .where(
            User.role == Role.COORDINATOR,
            User.is_active.is_(True),
            User.organisation_id.in_(set(school_ids)),
        )
        .order_by(User.full_name, User.id)
    )
    for coordinator in coordinators:
        assert coordinator.organisation_id is not None
        found[coordinator.organisation_id].append(coordinator)
    return dict(found)


def coordinators_of(db: Session, school_id: int) -> Sequence[User]:
    return coordinators_by_school(db, [school_id]).get(school_id, [])


def counsellors_of(db: Session, school_id: int) -> Sequence[User]:
    """The active counsellors with the school in their caseload."""
    return db.scalars(
        select(User)
        .join(CounsellorSchool, CounsellorSchool.counsellor_id == User.id)
        .where(
            CounsellorSchool.school_id == school_id,
            User.role == Role.COUNSELLOR,
            User.is_active.is_(True),
        )
        .order_by(User.full_name, User.id)
    ).all()


def ambassador_user(db: Session, ambassador_id: int) -> User:
    """The account of an ambassador (``Ambassador.user`` is not loaded by default)."""
    return db.scalars(
        select(User)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == ambassador_id)
    ).one()
