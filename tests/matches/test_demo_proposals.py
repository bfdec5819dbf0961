"""The demo ambassador has two proposals waiting and two mentees (one from the proposals, one
from the term's meetings)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.demo import DEMO_LOGINS, load_demo
from mentor.models import (
    Ambassador,
    AmbassadorInterest,
    Interest,
    Match,
    MatchState,
    Pupil,
    Role,
    User,
)


def test_the_demo_ambassador_has_waiting_proposals_and_mentees(db: Session) -> None:
    load_demo(db)
    load_demo(db)  # idempotent: no second set of proposals

    email = next(login.email for login in DEMO_LOGINS if login.role is Role.AMBASSADOR)
    ambassador = db.scalars(
        select(Ambassador).join(User, User.id == Ambassador.user_id).where(User.email == email)
    ).one()
    states = Counter(db.scalars(select(Match.state).where(Match.ambassador_id == ambassador.id)))
    assert states == {MatchState.PROPOSED: 2, MatchState.ACCEPTED: 2}


def test_the_demo_proposals_give_only_reasons_that_hold(db: Session) -> None:
    """Each reason is a fact of this pair (a shared interest by name, the ambassador's former
    school), never a bare feature that every page would word as a claim."""
    load_demo(db)
    proposals = [
        match
        for match in db.scalars(select(Match).where(Match.model_version == "demo-1"))
        if match.explanation  # the term's earlier matches carry no explanation
    ]
    assert proposals
    reasons = [reason for match in proposals for reason in (match.explanation or {})["reasons"]]
    assert reasons
    for match in proposals:
        pupil = db.get_one(Pupil, match.pupil_id)
        ambassador = db.get_one(Ambassador, match.ambassador_id)
        for reason in (match.explanation or {})["reasons"]:
            facts = reason["facts"]
            if reason["feature"] == "interest_similarity":
                mine = set(
                    db.scalars(
                        select(Interest.label_da)
                        .join(AmbassadorInterest)
                        .where(AmbassadorInterest.ambassador_id == ambassador.id)
                    )
                )
                assert facts["shared_interests"]
                assert {name["da"] for name in facts["shared_interests"]} <= mine
            elif reason["feature"] == "school_affinity":
                assert pupil.school_id == ambassador.former_school_id
            else:
                assert reason["feature"] == "grade_preference"
                assert facts["grade"] == pupil.grade
                assert pupil.grade in ambassador.preferred_grades
