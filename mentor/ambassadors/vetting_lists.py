"""The admin's lists of ambassadors: the vetting list by state (paged, searchable), its counts,
and the ambassadors whose børneattest is due for a re-check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from mentor.ambassadors.vetting import CLEARED_STATES, RECHECK_WARNING_DAYS
from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import Ambassador, AmbassadorState, Organisation, User
from mentor.paging import Paged, matches_text, paginate


def state_counts(db: Session) -> dict[AmbassadorState, int]:
    rows = db.execute(select(Ambassador.state, func.count()).group_by(Ambassador.state)).tuples()
    found = {AmbassadorState(state): count for state, count in rows}
    return {state: found.get(state, 0) for state in AmbassadorState}


def list_ambassadors(
    db: Session, *, state: AmbassadorState | None, q: str = "", page: int = 1
) -> Paged[Ambassador]:
    """One page of ambassadors for the vetting list (two queries); ``q`` finds a name, an
    e-mail address or an institution."""
    query = (
        select(Ambassador)
        .join(Ambassador.user)
        .options(
            joinedload(Ambassador.user),
            joinedload(Ambassador.institution),
            joinedload(Ambassador.programme),
        )
        .order_by(User.full_name, Ambassador.id)
    )
    if state is not None:
        query = query.where(Ambassador.state == state)
    if q:
        institution = select(Organisation.name).where(Organisation.id == Ambassador.institution_id)
        query = query.where(
            matches_text(q, User.full_name, User.email, institution.scalar_subquery())
        )
    return paginate(db, query, page=page)


def recheck_due_at(ambassador: Ambassador, settings: Settings) -> datetime | None:
    assessed = ambassador.child_certificate_assessed_at
    if assessed is None:
        return None
    return assessed + timedelta(days=settings.child_certificate_recheck_days)


def due_for_recheck(
    db: Session, *, settings: Settings, now: datetime | None = None
) -> Sequence[Ambassador]:
    """Ambassadors whose børneattest is overdue for a re-check or due within 30 days."""
    limit = (now or utcnow()) - timedelta(
        days=settings.child_certificate_recheck_days - RECHECK_WARNING_DAYS
    )
    query = (
        select(Ambassador)
        .options(joinedload(Ambassador.user), joinedload(Ambassador.institution))
        .where(
            Ambassador.state.in_(CLEARED_STATES),
            or_(
                Ambassador.child_certificate_assessed_at.is_(None),
                Ambassador.child_certificate_assessed_at <= limit,
            ),
        )
        .order_by(Ambassador.child_certificate_assessed_at, Ambassador.id)
    )
    return db.scalars(query).all()
