"""The demo ambassador has two proposals waiting and two mentees (one from the proposals, one
from the term's meetings)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.demo import DEMO_LOGINS, load_demo
from mentor.models import Ambassador, Match, MatchState, Role, User


def test_the_demo_ambassador_has_waiting_proposals_and_mentees(db: Session) -> None:
    load_demo(db)
    load_demo(db)  # idempotent: no second set of proposals

    email = next(login.email for login in DEMO_LOGINS if login.role is Role.AMBASSADOR)
    ambassador = db.scalars(
        select(Ambassador).join(User, User.id == Ambassador.user_id).where(User.email == email)
    ).one()
    states = Counter(db.scalars(select(Match.state).where(Match.ambassador_id == ambassador.id)))
    assert states == {MatchState.PROPOSED: 2, MatchState.ACCEPTED: 2}
