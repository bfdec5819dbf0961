"""Matching runs: compute a preview, store it, commit it as proposals, or discard it.

A human approves every match (GDPR Art. 22): a run only stores a preview that no ambassador sees;
``commit_run`` turns it into proposals in one transaction, and refuses when anything the preview
depended on has changed since (the fingerprint of ``mentor.matches.features``).

Functions flush and leave the commit to the caller.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import matching
from mentor.audit.service import record, record_selected
from mentor.config import Settings
from mentor.data_generation import remembered
from mentor.db import bulk_insert, locked, utcnow
from mentor.errors import Conflict, Forbidden, InvalidInput, NotFound
from mentor.i18n import LazyText, lazy_gettext
from mentor.matches.explanations import stored_explanations
from mentor.matches.features import MatchingInput, Scope, fingerprint, load_input
from mentor.matches.scoring import active_model
from mentor.models import (
    Ambassador,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    User,
)
from mentor.notifications.service import QueuedEmail, queue_emails
from mentor.policy import matching_school_ids

#: Alternatives shown per pupil (the next-best allowed ambassadors).
ALTERNATIVES = 3
#: Threads a run scores with (the engine's result does not depend on it).
RUN_JOBS = 2

CHOOSE_SCHOOL = lazy_gettext("Choose at least one of your schools.")
NOT_YOUR_SCHOOL = lazy_gettext("You can only match pupils at your own schools.")
ALREADY_COMMITTED = lazy_gettext("This run has already been committed.")
ALREADY_DISCARDED = lazy_gettext("This run was discarded or replaced by a newer run.")
STALE_PARTS: dict[str, LazyText] = {
    "pupils": lazy_gettext(
        "pupils in the scope changed (consent, enrolment, questionnaire or priority)"
    ),
    "ambassadors": lazy_gettext("ambassadors changed (capacity, profile or status)"),
    "rules": lazy_gettext("locked or forbidden pairs changed"),
    "matches": lazy_gettext("proposals or matches changed (new, accepted, declined or ended)"),
}


@dataclass
class RunPreview:
    """What a run computed, before it is stored (also what the weights' what-if compares)."""

    data: MatchingInput
    result: matching.MatchResult
    # pupil id -> [(ambassador id, score)], best first, the proposed ambassador left out.
    alternatives: dict[int, list[tuple[int, float]]]
    # pupil id -> {"reasons": [...]} for the proposed pair.
    explanations: dict[int, dict[str, Any]]
    model_version: str
    seconds: float


def compute(
    db: Session,
    *,
    scope: Scope,
    fair_shares: bool,
    settings: Settings,
    model: matching.ScoringModel | None = None,
    now: datetime | None = None,
) -> RunPreview:
    """Load the scope's input and solve it; nothing is written."""
    started = time.perf_counter()
    now = now or utcnow()
    model = model or active_model(db)
    data = load_input(db, scope, now=now, buffer_days=settings.rematch_buffer_days)
    encoded = matching.encode(data.pupils, data.ambassadors)
    result = matching.match(
        encoded,
        model,
        forbidden=data.forbidden,
        locked=data.locked,
        quotas="proportional" if fair_shares else None,
        n_jobs=RUN_JOBS,
    )
    index, scores = matching.best_ambassadors(
        encoded, model, k=ALTERNATIVES + 1, forbidden=data.forbidden, n_jobs=RUN_JOBS
    )
    proposed = {int(p.pupil): int(p.ambassador) for p in result.pairs}
    amb_ids = [int(a.id) for a in data.ambassadors]
    alternatives: dict[int, list[tuple[int, float]]] = {}
    for record_, row_index, row_scores in zip(
        data.pupils, index.tolist(), scores.tolist(), strict=True
    ):
        pid = int(record_.id)
        mine = proposed.get(pid)
        row = [
            (amb_ids[j], s)
            for j, s in zip(row_index, row_scores, strict=True)
            if j >= 0 and amb_ids[j] != mine
        ]
        alternatives[pid] = row[:ALTERNATIVES]

    explanations: dict[int, dict[str, Any]] = {}
    if result.pairs:
        p_pos = {r.id: i for i, r in enumerate(data.pupils)}
        a_pos = {r.id: j for j, r in enumerate(data.ambassadors)}
        pi = np.array([p_pos[p.pupil] for p in result.pairs], dtype=np.int64)
        ai = np.array([a_pos[p.ambassador] for p in result.pairs], dtype=np.int64)
        # The engine states facts; names of interests and languages are stored in both
        # languages, and each page words the facts for its reader (mentor.matches.explanations).
        stored = stored_explanations(model, encoded, pi, ai, data.renaming("en"))
        for pair, explanation in zip(result.pairs, stored, strict=True):
            explanations[int(pair.pupil)] = explanation
    return RunPreview(
        data=data,
        result=result,
        alternatives=alternatives,
        explanations=explanations,
        model_version=model.version,
        seconds=time.perf_counter() - started,
    )


def check_scope(db: Session, actor: User, scope: Scope) -> None:
    """The scope's schools must be among the actor's own."""
    if not scope.school_ids:
        raise InvalidInput({"school_ids": CHOOSE_SCHOOL})
    mine = set(db.scalars(matching_school_ids(actor)).all())
    if not mine:
        raise Forbidden()
    if not set(scope.school_ids) <= mine:
        raise InvalidInput({"school_ids": NOT_YOUR_SCHOOL})


def start_run(
    db: Session, *, actor: User, scope: Scope, fair_shares: bool, settings: Settings
) -> MatchRun:
    """Compute and store a preview; the actor's earlier previews are discarded."""
    check_scope(db, actor, scope)
    preview = compute(db, scope=scope, fair_shares=fair_shares, settings=settings)
    db.execute(
        update(MatchRun)
        .where(MatchRun.created_by_id == actor.id, MatchRun.state == MatchRunState.PREVIEW)
        .values(state=MatchRunState.DISCARDED)
    )
    result = preview.result
    data = preview.data
    reasons = {u.pupil: u.reason for u in result.report.unmatched}
    locked = set(data.locked)
    load = Counter(int(p.ambassador) for p in result.pairs)
    run = MatchRun(
        created_by_id=actor.id,
        scope=scope.as_json(),
        options={"fair_shares": fair_shares},
        state=MatchRunState.PREVIEW,
        model_version=preview.model_version,
        stats={
            "eligible": len(data.pupils),
            "ambassadors": len(data.ambassadors),
            "slots": sum(a.capacity for a in data.ambassadors),
            "matched": result.matched,
            "priority_matched": result.priority_matched,
            "priority": sum(1 for p in data.pupils if p.priority),
            "total_score": round(result.total_score, 4),
            "mean_score": round(result.report.mean_score, 4),
            "certified": result.certified,
            "seconds": round(preview.seconds, 3),
            "dropped_locks": len(data.dropped_locks),
            "fingerprint": data.fingerprint,
            "ambassador_load": {str(a): n for a, n in sorted(load.items())},
        },
        created_at=utcnow(),
    )
    db.add(run)
    db.flush()
    pairs = {int(p.pupil): p for p in result.pairs}
    rows = []
    for record_ in data.pupils:
        pid = int(record_.id)
        pair = pairs.get(pid)
        rows.append(
            {
                "run_id": run.id,
                "pupil_id": pid,
                "ambassador_id": int(pair.ambassador) if pair else None,
                "score": round(pair.score, 6) if pair else None,
                "explanation": preview.explanations.get(pid),
                "alternatives": [
                    {"ambassador_id": a, "score": s} for a, s in preview.alternatives.get(pid, [])
                ],
                "locked": bool(pair and (pair.pupil, pair.ambassador) in locked),
                "unmatched_reason": None if pair else reasons.get(record_.id),
            }
        )
    if rows:
        # Core (COPY on PostgreSQL), not the ORM's bulk insert: no per-row ORM bookkeeping.
        bulk_insert(db, cast(Table, MatchRunPupil.__table__), rows)
    record(
        db,
        actor_id=actor.id,
        action="create",
        object_type="match_run",
        object_id=run.id,
        details={"eligible": len(rows), "proposed": len(pairs)},
    )
    return run


def _refuse_unless_preview(run: MatchRun) -> None:
    if run.state is MatchRunState.COMMITTED:
        raise Conflict(ALREADY_COMMITTED)
    if run.state is not MatchRunState.PREVIEW:
        raise Conflict(ALREADY_DISCARDED)


def stale_parts(
    db: Session, run: MatchRun, settings: Settings, *, reuse_at: datetime | None = None
) -> list[str]:
    """The parts of the run's input that changed since its preview (empty: still current).

    With ``reuse_at`` (a page's clock) the input's fingerprint is reused while the data is
    unchanged (``remembered``); the commit and the edits count it afresh."""

    def count() -> dict[str, str]:
        scope = Scope.from_json(run.scope)
        return fingerprint(db, scope, now=utcnow(), buffer_days=settings.rematch_buffer_days)

    key = ("run fingerprint", run.id, settings.rematch_buffer_days)
    now_ = count() if reuse_at is None else remembered(db, key, now=reuse_at, count=count)
    stored = (run.stats or {}).get("fingerprint", {})
    return [part for part in STALE_PARTS if stored.get(part) != now_.get(part)]


@dataclass(frozen=True)
class CommitSummary:
    """What committing a run does: its proposals, and the e-mails ``_notify_ambassadors`` sends
    (one to each ambassador with at least one proposal)."""

    proposals: int
    emails: int


def commit_summary(db: Session, run: MatchRun) -> CommitSummary:
    proposals, ambassadors = db.execute(
        select(
            func.count(MatchRunPupil.ambassador_id),
            func.count(MatchRunPupil.ambassador_id.distinct()),
        ).where(MatchRunPupil.run_id == run.id)
    ).one()
    return CommitSummary(int(proposals), int(ambassadors))


def commit_run(db: Session, *, actor: User, run: MatchRun, settings: Settings) -> int:
    """Turn a current preview into proposals in one transaction; returns how many.

    Refused when the run is not a preview any more (committed twice, discarded) or when what it
    was computed from has changed; the message says what changed.
    """
    run = locked(db, run)
    if run.created_by_id != actor.id:
        raise NotFound()
    _refuse_unless_preview(run)
    # The run's ambassadors, locked in id order (as accepting a proposal locks its ambassador):
    # a second counsellor's overlapping commit waits here, then finds the matches changed.
    db.execute(
        select(Ambassador.id)
        .where(
            Ambassador.id.in_(
                select(MatchRunPupil.ambassador_id).where(MatchRunPupil.run_id == run.id)
            )
        )
        .order_by(Ambassador.id)
        .with_for_update()
    ).all()
    changed = stale_parts(db, run, settings)
    if changed:
        raise Conflict(
            lazy_gettext(
                "The preview is out of date: since it was made, %(changes)s. "
                "Run matching again to see a current preview.",
                changes="; ".join(str(STALE_PARTS[part]) for part in changed),
            )
        )
    now = utcnow()
    # Straight from the preview rows to proposals, in the database: the explanations are never
    # read back into Python.
    proposals = insert(Match).from_select(
        [
            "pupil_id",
            "ambassador_id",
            "run_id",
            "state",
            "score",
            "explanation",
            "model_version",
            "proposed_at",
            "created_by_id",
        ],
        select(
            MatchRunPupil.pupil_id,
            MatchRunPupil.ambassador_id,
            literal(run.id),
            literal(MatchState.PROPOSED.value),
            MatchRunPupil.score,
            MatchRunPupil.explanation,
            literal(run.model_version, Match.__table__.c.model_version.type),
            literal(now, Match.__table__.c.proposed_at.type),
            literal(actor.id),
        )
        .where(MatchRunPupil.run_id == run.id, MatchRunPupil.ambassador_id.is_not(None))
        .order_by(MatchRunPupil.pupil_id),
    )
    try:
        # The partial unique index (one open match a pupil) still guards a commit that races
        # another counsellor's.
        with db.begin_nested():
            db.execute(proposals)
    except IntegrityError as error:
        raise Conflict(
            lazy_gettext(
                "Another proposal for one of these pupils was made at the same moment. "
                "Run matching again to see a current preview."
            )
        ) from error
    # One audit event per proposal, written by the database from the new rows.
    record_selected(
        db,
        actor_id=actor.id,
        action="create",
        object_type="match",
        rows=select(Match.id, Match.pupil_id).where(Match.run_id == run.id),
        details={"state": MatchState.PROPOSED.value, "run_id": run.id},
    )
    run.state = MatchRunState.COMMITTED
    run.committed_at = now
    db.flush()
    per_ambassador = dict(
        db.execute(
            select(Match.ambassador_id, func.count(Match.id))
            .where(Match.run_id == run.id)
            .group_by(Match.ambassador_id)
        )
        .tuples()
        .all()
    )
    created = sum(per_ambassador.values())
    _notify_ambassadors(db, per_ambassador, settings)
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="match_run",
        object_id=run.id,
        details={"to": "committed", "proposals": created},
    )
    return created


def _notify_ambassadors(db: Session, counts: dict[int, int], settings: Settings) -> None:
    """One e-mail per ambassador, however many pupils the run proposed to them."""
    if not counts:
        return
    people = db.execute(
        select(Ambassador.id, User.email, User.full_name, User.locale)
        .join(User, User.id == Ambassador.user_id)
        .where(Ambassador.id.in_(counts))
        .order_by(Ambassador.id)
    ).all()
    queue_emails(
        db,
        [
            QueuedEmail(
                to=email,
                template="proposals_from_run",
                locale=locale or "da",
                context={
                    "name": full_name,
                    "count": counts[ambassador_id],
                    "days": settings.proposal_answer_days,
                    "link": f"{settings.base_url}/ambassador/mentees",
                },
            )
            for ambassador_id, email, full_name, locale in people
        ],
    )


def discard_run(db: Session, *, actor: User, run: MatchRun) -> None:
    run = locked(db, run)
    if run.created_by_id != actor.id:
        raise NotFound()
    _refuse_unless_preview(run)
    run.state = MatchRunState.DISCARDED
    db.flush()
