"""The scoring model in use: the active stored model, or the engine's reasoned defaults.

Models are versioned and kept: saving weights by hand or training on outcomes stores a new row
(``v1``, ``v2``, ...); at most one row is active (a partial unique index). A trained model becomes
active only when its cross-validation said it ranked outcomes better than the model in use when it
was trained (DESIGN.md, "Learn").

Functions flush and leave the commit to the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import matching
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, NotFound
from mentor.i18n import get_locale, lazy_gettext
from mentor.matches.features import Scope, load_input
from mentor.models import (
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    Pupil,
    ScoringModelRecord,
    User,
)

DEFAULT_VERSION = "default"

#: ``metrics["source"]`` of a stored model: weights set by an admin, or learned from outcomes.
SOURCE_MANUAL = "manual"
SOURCE_TRAINED = "trained"

NOT_BETTER = lazy_gettext(
    "Only a trained model that ranked outcomes better than the model in use when it was "
    "trained can be adopted."
)
SAVED_AT_ONCE = lazy_gettext(
    "Another admin changed the scoring model at the same moment. Reload the page and try again."
)

_VERSION = re.compile(r"^v(\d+)$")


def to_model(record: ScoringModelRecord) -> matching.ScoringModel:
    weights = dict(record.weights.get("weights", {}))
    return matching.ScoringModel(
        weights,
        must_have=record.weights.get("must_have", ()),
        version=record.version,
        metrics=record.metrics,
    )


def active_record(db: Session) -> ScoringModelRecord | None:
    return db.scalar(select(ScoringModelRecord).where(ScoringModelRecord.active))


def active_model(db: Session) -> matching.ScoringModel:
    """The model that scores runs now (one row at most is active: a partial unique index)."""
    row = active_record(db)
    if row is None:
        return matching.ScoringModel(version=DEFAULT_VERSION)
    return to_model(row)


def stored_models(db: Session) -> list[ScoringModelRecord]:
    """Every stored version, newest first."""
    return list(
        db.scalars(
            select(ScoringModelRecord).order_by(
                ScoringModelRecord.created_at.desc(), ScoringModelRecord.id.desc()
            )
        )
    )


def get_model(db: Session, model_id: int) -> ScoringModelRecord:
    found = db.get(ScoringModelRecord, model_id)
    if found is None:
        raise NotFound()
    return found


def feature_label(name: str) -> str:
    """The feature's phrase from the engine, in the current language, with a capital letter."""
    feature = next(f for f in matching.FEATURES if f.name == name)
    text = feature.en if get_locale() == "en" else feature.da
    return text[:1].upper() + text[1:]


def next_version(db: Session) -> str:
    """``v<N>``, one more than the highest ``v<N>`` stored."""
    numbers = [
        int(m.group(1))
        for version in db.scalars(select(ScoringModelRecord.version))
        if (m := _VERSION.match(version))
    ]
    return f"v{max(numbers, default=0) + 1}"


def _retire_active_model(db: Session) -> None:
    """The model in use stops being it (one active model: a unique index holds it)."""
    db.execute(
        update(ScoringModelRecord)
        .where(ScoringModelRecord.active)
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )


def store_model(
    db: Session,
    *,
    actor: User | None,
    model: matching.ScoringModel,
    metrics: dict[str, Any],
    active: bool,
) -> ScoringModelRecord:
    """Store ``model`` as the next version; made active, it replaces the active one."""
    try:
        # Two admins saving at once would both take the same version (or both be active): the
        # unique indexes refuse the second, which becomes a Conflict rather than an error page.
        with db.begin_nested():
            if active:
                _retire_active_model(db)
            row = ScoringModelRecord(
                version=next_version(db),
                weights={"weights": model.weights, "must_have": list(model.must_have)},
                metrics=metrics,
                active=active,
                created_at=utcnow(),
            )
            db.add(row)
            db.flush()
    except IntegrityError as error:
        raise Conflict(SAVED_AT_ONCE) from error
    record(
        db,
        actor_id=actor.id if actor else None,
        action="create",
        object_type="scoring_model",
        object_id=row.id,
        details={"version": row.version, "active": active, "source": metrics.get("source")},
    )
    return row


def save_weights(
    db: Session, *, actor: User | None, weights: dict[str, float], must_have: list[str]
) -> ScoringModelRecord:
    """The admin's weights as a new version, in use from now on (the old versions are kept)."""
    model = matching.ScoringModel(weights, must_have=must_have)
    return store_model(db, actor=actor, model=model, metrics={"source": SOURCE_MANUAL}, active=True)


def beat_its_baseline(row: ScoringModelRecord) -> bool:
    """Whether the model's cross-validation said it ranked better than the model it challenged."""
    metrics = row.metrics or {}
    candidate, baseline = metrics.get("cv_roc_auc"), metrics.get("baseline_cv_roc_auc")
    return (
        metrics.get("source") == SOURCE_TRAINED
        and isinstance(candidate, int | float)
        and isinstance(baseline, int | float)
        and candidate > baseline
    )


def adopt(db: Session, *, actor: User | None, row: ScoringModelRecord) -> None:
    """Make a trained model the one in use, if it beat the model in use when it was trained."""
    if not beat_its_baseline(row):
        raise Conflict(NOT_BETTER)
    if row.active:
        return
    try:
        with db.begin_nested():
            _retire_active_model(db)
            row.active = True
            db.flush()
    except IntegrityError as error:
        raise Conflict(SAVED_AT_ONCE) from error
    record(
        db,
        actor_id=actor.id if actor else None,
        action="update",
        object_type="scoring_model",
        object_id=row.id,
        details={"version": row.version, "to": "active"},
    )


# -- what if ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Aggregates of one assignment: never a pupil's name or id (admins see no pupil)."""

    eligible: int
    matched: int
    priority: int
    priority_matched: int
    mean_score: float | None


@dataclass(frozen=True)
class WhatIf:
    """The last run as stored, and solved again with other weights."""

    run_created_at: Any
    run_model_version: str | None
    # The run was committed: it was solved again as if its proposals had not been made.
    run_committed: bool
    before: Outcome
    after: Outcome
    # Pupils whose ambassador would differ (a pupil newly matched or left unmatched counts).
    changed: int


def last_run(db: Session) -> MatchRun | None:
    return db.scalar(select(MatchRun).order_by(MatchRun.created_at.desc(), MatchRun.id.desc()))


def what_if(db: Session, *, model: matching.ScoringModel, settings: Settings) -> WhatIf | None:
    """Solve the most recent run's scope again with ``model``; nothing is written.

    It is solved on today's data (pupils or ambassadors may have changed since), so the eligible
    counts are shown for both sides.  A committed run's pupils have proposals now and would not
    be eligible: the run is solved as if its proposals (and the matches they became) had not been
    made, so the comparison is with that run's pupils, not with nobody.  None when no run exists.
    """
    run = last_run(db)
    if run is None:
        return None
    rows = db.execute(
        select(MatchRunPupil.pupil_id, MatchRunPupil.ambassador_id, MatchRunPupil.score)
        .where(MatchRunPupil.run_id == run.id)
        .order_by(MatchRunPupil.pupil_id)
    ).all()
    stored_ids = [pupil_id for pupil_id, _, _ in rows]
    priority_ids = set(db.scalars(select(Pupil.id).where(Pupil.id.in_(stored_ids), Pupil.priority)))
    before_pairs = {p: a for p, a, _ in rows if a is not None}
    before = Outcome(
        eligible=len(rows),
        matched=len(before_pairs),
        priority=len(priority_ids),
        priority_matched=sum(1 for p in before_pairs if p in priority_ids),
        mean_score=_mean([s for _, a, s in rows if a is not None and s is not None]),
    )

    # Only the assignment is needed: no alternatives and no reasons, as a run computes them.
    data = load_input(
        db,
        Scope.from_json(run.scope),
        now=utcnow(),
        buffer_days=settings.rematch_buffer_days,
        set_aside_run=run.id,
    )
    result = matching.match(
        matching.encode(data.pupils, data.ambassadors),
        model,
        forbidden=data.forbidden,
        locked=data.locked,
        quotas="proportional" if (run.options or {}).get("fair_shares") else None,
    )
    after_pairs = {int(p.pupil): int(p.ambassador) for p in result.pairs}
    after = Outcome(
        eligible=len(data.pupils),
        matched=result.matched,
        priority=sum(1 for p in data.pupils if p.priority),
        priority_matched=result.priority_matched,
        mean_score=_mean([float(p.score) for p in result.pairs]),
    )
    everyone = set(stored_ids) | {int(p.id) for p in data.pupils}
    changed = sum(1 for p in everyone if before_pairs.get(p) != after_pairs.get(p))
    return WhatIf(
        run_created_at=run.created_at,
        run_model_version=run.model_version,
        run_committed=run.state is MatchRunState.COMMITTED,
        before=before,
        after=after,
        changed=changed,
    )


def _mean(values: list[float]) -> float | None:
    return round(fmean(values), 4) if values else None
