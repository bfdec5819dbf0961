"""A counsellor's pair rules: lock a pupil with an ambassador, or forbid the pair.

Rules apply from the next run (``mentor.matches.features`` reads them); a swap on the preview page
is a lock. Functions flush and leave the commit to the caller.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.db import utcnow
from mentor.models import PairRule, PairRuleKind, User


def set_pair_rule(
    db: Session,
    *,
    actor: User,
    pupil_id: int,
    ambassador_id: int,
    kind: PairRuleKind,
) -> PairRule:
    """Lock or forbid a pair (one rule a pair; a pupil has at most one locked ambassador)."""
    if kind is PairRuleKind.LOCKED:
        # Locking a pupil to a new ambassador replaces the pupil's earlier lock.
        for old in db.scalars(
            select(PairRule).where(
                PairRule.pupil_id == pupil_id, PairRule.kind == PairRuleKind.LOCKED
            )
        ):
            db.delete(old)
    rule = db.scalar(
        select(PairRule).where(
            PairRule.pupil_id == pupil_id, PairRule.ambassador_id == ambassador_id
        )
    )
    if rule is None:
        rule = PairRule(pupil_id=pupil_id, ambassador_id=ambassador_id, created_by_id=actor.id)
        db.add(rule)
    rule.kind = kind
    rule.created_at = utcnow()
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="pair_rule",
        object_id=rule.id,
        pupil_id=pupil_id,
        details={"ambassador_id": ambassador_id, "kind": kind.value},
    )
    return rule


def remove_pair_rule(db: Session, *, actor: User, rule: PairRule) -> None:
    record(
        db,
        actor_id=actor.id,
        action="delete",
        object_type="pair_rule",
        object_id=rule.id,
        pupil_id=rule.pupil_id,
        details={"ambassador_id": rule.ambassador_id, "kind": rule.kind.value},
    )
    db.delete(rule)
    db.flush()
