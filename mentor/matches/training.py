"""Learning the scoring model from outcomes: what ambassadors did with the proposals they got.

An outcome is a proposal an ambassador answered:

- 1 when accepted (``accepted``, or ``closed`` after an answer: a kept match that ended later);
- 0 when declined.

Expired proposals are left out: nobody answered, so they say more about an ambassador who was
away than about whether the pair fitted, and counting them as declines would teach the model to
avoid busy ambassadors. Withdrawn and still open proposals are no outcome yet.

The pairs are rebuilt as ``matching`` records the way ``mentor.matches.features`` builds a run's
input (from the pupils' and ambassadors' rows as they are now), encoded together, and their pair
features are what :func:`matching.challenge` trains and cross-validates on. The candidate is stored
as an inactive version with both models' ROC AUC; ``scoring.adopt`` puts it in use only if it won.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

import matching
from mentor.matches.records import (
    AMBASSADOR_COLUMNS,
    JSON_TEXT,
    PupilRecords,
    ambassador_interests,
    ambassador_record,
    pupil_tags,
    school_names,
)
from mentor.matches.scoring import SOURCE_TRAINED, active_model, store_model
from mentor.models import (
    Ambassador,
    Match,
    MatchState,
    Programme,
    Pupil,
    ScoringModelRecord,
    User,
)

#: Fewer outcomes than this, or fewer of either kind than ``MIN_PER_CLASS``: no training.
MIN_OUTCOMES = 100
MIN_PER_CLASS = 20
CV_FOLDS = 5

# Rows per IN list: well below SQLite's limit on bound parameters.
_CHUNK = 500

_ACCEPTED = or_(
    Match.state == MatchState.ACCEPTED,
    and_(Match.state == MatchState.CLOSED, Match.responded_at.is_not(None)),
)
_DECLINED = Match.state == MatchState.DECLINED

T = TypeVar("T")


@dataclass(frozen=True)
class OutcomeCounts:
    accepted: int
    declined: int

    @property
    def total(self) -> int:
        return self.accepted + self.declined

    @property
    def enough(self) -> bool:
        return self.total >= MIN_OUTCOMES and min(self.accepted, self.declined) >= MIN_PER_CLASS


@dataclass(frozen=True)
class TrainingData:
    features: NDArray[np.float64]
    outcomes: NDArray[np.int64]


@dataclass(frozen=True)
class Training:
    """What one training did: the challenge, and the candidate stored (None when declined)."""

    counts: OutcomeCounts
    current_version: str
    challenge: matching.Challenge
    stored: ScoringModelRecord | None

    @property
    def won(self) -> bool:
        return self.challenge.replaced


def outcome_pairs(db: Session) -> list[tuple[int, int, int]]:
    """``(pupil id, ambassador id, 1 or 0)`` of every answered proposal, oldest first."""
    rows = db.execute(
        select(Match.pupil_id, Match.ambassador_id, _ACCEPTED)
        .where(or_(_ACCEPTED, _DECLINED))
        .order_by(Match.id)
    ).all()
    return [(int(p), int(a), int(bool(good))) for p, a, good in rows]


def count_outcomes(db: Session) -> OutcomeCounts:
    labels = [label for _, _, label in outcome_pairs(db)]
    accepted = sum(labels)
    return OutcomeCounts(accepted=accepted, declined=len(labels) - accepted)


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for lo in range(0, len(items), _CHUNK):
        yield items[lo : lo + _CHUNK]


def load_records(
    db: Session, pupil_ids: Iterable[int], ambassador_ids: Iterable[int]
) -> tuple[dict[int, matching.Pupil], dict[int, matching.Ambassador]]:
    """The pupils and ambassadors as ``matching`` records, built as a run builds them
    (``mentor.matches.features``).

    Unlike a run, any state is loaded (an ambassador who has left still had the pair's
    features), and there is no capacity to respect: capacity is not a feature.
    """
    conn = db.connection()
    pids = sorted(set(pupil_ids))
    aids = sorted(set(ambassador_ids))
    schools = school_names(conn)
    pupils: dict[int, matching.Pupil] = {}
    for chunk in _chunks(pids):
        interests, programmes, _ = pupil_tags(conn, chunk)
        builder = PupilRecords(schools, interests, programmes)
        for row in conn.execute(
            select(
                Pupil.id,
                Pupil.school_id,
                Pupil.grade,
                Pupil.priority,
                *JSON_TEXT,
            ).where(Pupil.id.in_(chunk))
        ).all():
            pupils[row[0]] = builder.build(*row)
    ambassadors: dict[int, matching.Ambassador] = {}
    for chunk in _chunks(aids):
        amb_interests, _ = ambassador_interests(conn, chunk)
        for row in conn.execute(
            select(*AMBASSADOR_COLUMNS)
            .join(Programme, Programme.id == Ambassador.programme_id)
            .where(Ambassador.id.in_(chunk))
        ).all():
            ambassadors[row.id] = ambassador_record(
                row, amb_interests.get(row.id, []), schools, capacity=row.capacity
            )
    return pupils, ambassadors


def pair_features(db: Session, pairs: Sequence[tuple[int, int]]) -> NDArray[np.float64]:
    """The engine's pair features, shape ``(len(pairs), n_features)``, rows in ``pairs`` order.

    Pairs whose pupil or ambassador no longer exists are not in ``pairs`` (see
    :func:`training_data`); every pair given must have both.
    """
    if not pairs:
        return np.zeros((0, len(matching.FEATURE_NAMES)))
    pupils, ambassadors = load_records(db, (p for p, _ in pairs), (a for _, a in pairs))
    p_ids, a_ids = sorted(pupils), sorted(ambassadors)
    encoded = matching.encode([pupils[p] for p in p_ids], [ambassadors[a] for a in a_ids])
    p_pos = {p: i for i, p in enumerate(p_ids)}
    a_pos = {a: j for j, a in enumerate(a_ids)}
    pi = np.array([p_pos[p] for p, _ in pairs], dtype=np.int64)
    ai = np.array([a_pos[a] for _, a in pairs], dtype=np.int64)
    return encoded.pair_features(pi, ai)


def training_data(db: Session) -> TrainingData:
    """Pair features and outcomes of every answered proposal whose rows still exist."""
    outcomes = outcome_pairs(db)
    known_pupils = set(db.scalars(select(Pupil.id)))
    known_ambassadors = set(db.scalars(select(Ambassador.id)))
    kept = [o for o in outcomes if o[0] in known_pupils and o[1] in known_ambassadors]
    x = pair_features(db, [(p, a) for p, a, _ in kept])
    y = np.array([label for _, _, label in kept], dtype=np.int64)
    return TrainingData(features=x, outcomes=y)


def train(db: Session, *, actor: User | None) -> Training:
    """Challenge the model in use with one trained on the outcomes; store the candidate inactive.

    With too few outcomes nothing is trained or stored (``stored`` is None).
    """
    current = active_model(db)
    data = training_data(db)
    accepted = int(data.outcomes.sum())
    counts = OutcomeCounts(accepted=accepted, declined=len(data.outcomes) - accepted)
    result = matching.challenge(
        current,
        data.features,
        data.outcomes,
        min_outcomes=MIN_OUTCOMES,
        min_per_class=MIN_PER_CLASS,
        cv=CV_FOLDS,
    )
    stored = None
    if result.candidate is not None:
        stored = store_model(
            db,
            actor=actor,
            model=result.candidate,
            metrics={
                "source": SOURCE_TRAINED,
                "n_outcomes": counts.total,
                "accepted": counts.accepted,
                "declined": counts.declined,
                "cv_folds": CV_FOLDS,
                "cv_roc_auc": float(result.candidate_auc or 0.0),
                "baseline_cv_roc_auc": float(result.current_auc or 0.0),
                "baseline_version": current.version,
                "won": result.replaced,
            },
            active=False,
        )
    return Training(counts=counts, current_version=current.version, challenge=result, stored=stored)


def latest_trained(db: Session) -> ScoringModelRecord | None:
    """The most recently trained candidate (for the training page's side-by-side view)."""
    for row in db.scalars(
        select(ScoringModelRecord).order_by(
            ScoringModelRecord.created_at.desc(), ScoringModelRecord.id.desc()
        )
    ):
        if (row.metrics or {}).get("source") == SOURCE_TRAINED:
            return row
    return None
