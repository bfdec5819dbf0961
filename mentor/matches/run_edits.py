"""Lock, forbid and swap on a run's preview, applied to the preview at once where that is exact.

Every change is first saved as a pair rule (``rules.set_pair_rule``, audited as before), so the
next run honours it. On a preview that is still current it also takes effect in the preview
itself, without a new run:

- locking the proposed pair marks it locked;
- forbidding the proposed pair leaves the pupil without an ambassador in this run;
- a swap (locking the pupil with one of the next best) moves the pupil when that ambassador has a
  free place in this run, and otherwise says that they are full.

The preview then still honours every rule, so its fingerprint is brought up to date and it can be
committed; it is marked as changed by hand (a new run may find a better assignment overall).
Functions flush and leave the commit to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import matching
from mentor.config import Settings
from mentor.db import utcnow
from mentor.matches import rules
from mentor.matches.explanations import stored_explanations
from mentor.matches.features import Scope, fingerprint, load_input
from mentor.matches.runs import stale_parts
from mentor.matches.scoring import active_model
from mentor.matches.seats import seat_facts
from mentor.models import (
    Ambassador,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    PairRuleKind,
    Pupil,
    User,
)

#: ``unmatched_reason`` of a pupil whose proposed pair the counsellor forbade in the preview.
FORBIDDEN_IN_PREVIEW = "forbidden_in_preview"


@dataclass(frozen=True)
class EditOutcome:
    """What happened, as a flash message key (``mentor.web.flash``) and its parameters."""

    message: str
    params: dict[str, str] = field(default_factory=dict)
    applied: bool = False
    moved: bool = False  # a pupil's ambassador changed (not only a mark or a rule)


def apply_pair_rule(
    db: Session,
    *,
    actor: User,
    run: MatchRun,
    pupil_id: int,
    ambassador_id: int,
    kind: PairRuleKind,
    settings: Settings,
) -> EditOutcome:
    """Save the rule, and apply it to the run's preview where that is exact (see the module)."""
    current = run.state is MatchRunState.PREVIEW and not stale_parts(db, run, settings)
    rules.set_pair_rule(db, actor=actor, pupil_id=pupil_id, ambassador_id=ambassador_id, kind=kind)
    fallback = EditOutcome("pair_locked" if kind is PairRuleKind.LOCKED else "pair_forbidden")
    row = db.scalar(
        select(MatchRunPupil).where(
            MatchRunPupil.run_id == run.id, MatchRunPupil.pupil_id == pupil_id
        )
    )
    if not current or row is None:
        return fallback
    names = _names(db, pupil_id, ambassador_id)
    if kind is PairRuleKind.FORBIDDEN:
        outcome = _forbid(row, ambassador_id, names)
    elif row.ambassador_id == ambassador_id:
        row.locked = True
        outcome = EditOutcome("pair_locked_in_run", applied=True)
    else:
        outcome = _swap(db, run, row, ambassador_id, names)
        if outcome.moved:
            row.explanation = _explanation(db, run, pupil_id, ambassador_id, settings)
    if outcome.applied:
        _refresh(db, run, settings, moved=outcome.moved)
    return outcome


def _names(db: Session, pupil_id: int, ambassador_id: int) -> dict[str, str]:
    first, last = db.execute(
        select(Pupil.first_name, Pupil.last_name).where(Pupil.id == pupil_id)
    ).one()
    ambassador = db.scalar(
        select(User.full_name)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == ambassador_id)
    )
    return {"pupil": f"{first} {last}", "ambassador": ambassador or ""}


def _forbid(row: MatchRunPupil, ambassador_id: int, names: dict[str, str]) -> EditOutcome:
    row.alternatives = [a for a in row.alternatives if int(a["ambassador_id"]) != ambassador_id]
    if row.ambassador_id != ambassador_id:
        return EditOutcome("pair_forbidden_in_run", names, applied=True)
    row.ambassador_id = None
    row.score = None
    row.explanation = None
    row.locked = False
    row.unmatched_reason = FORBIDDEN_IN_PREVIEW
    return EditOutcome("pair_forbidden_leaves_pupil", names, applied=True, moved=True)


def _swap(
    db: Session, run: MatchRun, row: MatchRunPupil, ambassador_id: int, names: dict[str, str]
) -> EditOutcome:
    offered = next((a for a in row.alternatives if int(a["ambassador_id"]) == ambassador_id), None)
    if offered is None:
        return EditOutcome("pair_locked")
    seats = seat_facts(db, run, {ambassador_id}).get(ambassador_id)
    if seats is None or seats.full:
        return EditOutcome("pair_swap_full", names)
    others = [a for a in row.alternatives if a is not offered]
    if row.ambassador_id is not None and row.score is not None:
        others.append({"ambassador_id": row.ambassador_id, "score": row.score})
    others.sort(key=lambda a: -float(a["score"]))
    row.alternatives = others[: len(row.alternatives)]
    row.ambassador_id = ambassador_id
    row.score = float(offered["score"])
    row.explanation = None  # the old pair's: the caller works out the new pair's
    row.locked = True
    row.unmatched_reason = None
    return EditOutcome("pair_swapped", names, applied=True, moved=True)


def _explanation(
    db: Session, run: MatchRun, pupil_id: int, ambassador_id: int, settings: Settings
) -> dict[str, Any] | None:
    """The reasons for a pair swapped in, as a run stores them (``runs.compute``): the run's
    input again, so the facts are those of the run's population. None when the model in use is
    not the run's (its reasons would not be the ones the pair was scored with)."""
    model = active_model(db)
    if model.version != run.model_version:
        return None
    data = load_input(
        db, Scope.from_json(run.scope), now=utcnow(), buffer_days=settings.rematch_buffer_days
    )
    pupil = next((i for i, r in enumerate(data.pupils) if r.id == str(pupil_id)), None)
    ambassador = next(
        (j for j, r in enumerate(data.ambassadors) if r.id == str(ambassador_id)), None
    )
    if pupil is None or ambassador is None:
        return None
    encoded = matching.encode(data.pupils, data.ambassadors)
    [explanation] = stored_explanations(model, encoded, [pupil], [ambassador], data.renaming("en"))
    return explanation


def _refresh(db: Session, run: MatchRun, settings: Settings, *, moved: bool) -> None:
    """The run's figures after a change by hand, and its fingerprint (it honours every rule).

    Once a pupil was moved by hand, the assignment is no longer the one the engine found best.
    """
    db.flush()
    per_ambassador = db.execute(
        select(
            MatchRunPupil.ambassador_id,
            func.count(MatchRunPupil.id),
            func.count(MatchRunPupil.id).filter(Pupil.priority),
            func.coalesce(func.sum(MatchRunPupil.score), 0.0),
        )
        .join(Pupil, Pupil.id == MatchRunPupil.pupil_id)
        .where(MatchRunPupil.run_id == run.id, MatchRunPupil.ambassador_id.is_not(None))
        .group_by(MatchRunPupil.ambassador_id)
    ).all()
    matched = sum(n for _, n, _, _ in per_ambassador)
    total = float(sum(s for _, _, _, s in per_ambassador))
    stats = dict(run.stats or {})
    stats.update(
        matched=matched,
        priority_matched=sum(p for _, _, p, _ in per_ambassador),
        total_score=round(total, 4),
        mean_score=round(total / matched, 4) if matched else 0.0,
        ambassador_load={str(a): n for a, n, _, _ in sorted(per_ambassador, key=lambda r: r[0])},
        fingerprint=fingerprint(
            db,
            Scope.from_json(run.scope),
            now=utcnow(),
            buffer_days=settings.rematch_buffer_days,
        ),
    )
    if moved:
        stats.update(certified=False, edited=True)
    run.stats = stats
    db.flush()
