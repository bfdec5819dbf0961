"""Learning the scoring model from outcomes: what became of the pairs that were proposed.

An outcome is a proposal an ambassador answered, labelled 1 (a good pair) or 0 (a poor one):

- declined: 0;
- accepted (``accepted``, or ``closed`` after an answer): 1, unless what happened next says the
  pair did not work after all, which makes it 0 — the match ended early because the pupil no
  longer wanted it (``close_reason`` ``no_longer_wanted``), the pupil was absent from
  ``POOR_ABSENCES`` or more of the ambassador's meetings, or the pupil's feedback on the
  ambassador's meetings averages ``POOR_RATING`` or lower. These signs count more than the
  ambassador's yes: the yes is a guess about the pair, the meetings are the pair itself. An
  accepted pair whose pupil came to a held meeting and rated the ambassador's meetings
  ``GOOD_RATING`` or higher on average stays 1, now confirmed. Other endings (the pupil
  applied, moved, the ambassador left) say nothing about the fit and change nothing.

``OutcomeCounts.followed_up`` counts the outcomes that meetings, feedback or a match's end
decided or confirmed, so the training page can say how much of the data goes beyond the answer.

Expired proposals are left out: nobody answered, so they say more about an ambassador who was
away than about whether the pair fitted, and counting them as declines would teach the model to
avoid busy ambassadors. Withdrawn and still open proposals are no outcome yet.

The pairs are rebuilt as ``matching`` records the way ``mentor.matches.features`` builds a run's
input (from the pupils' and ambassadors' rows as they are now), encoded together, and their pair
features are what :func:`matching.challenge` trains and cross-validates on. The candidate is stored
as an inactive version with both models' ROC AUC; ``scoring.adopt`` puts it in use only if it won:
the new labels go through the same gate as ever.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import and_, case, func, or_, select
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
    Attendance,
    CloseReason,
    Feedback,
    Match,
    MatchState,
    Meeting,
    MeetingParticipant,
    MeetingState,
    Programme,
    Pupil,
    ScoringModelRecord,
    User,
)

#: Fewer outcomes than this, or fewer of either kind than ``MIN_PER_CLASS``: no training.
MIN_OUTCOMES = 100
MIN_PER_CLASS = 20
CV_FOLDS = 5
#: What happened after an accepted proposal that makes the pair a poor one after all.
POOR_ABSENCES = 2
POOR_RATING = 2.0
#: The average feedback (with the pupil present at a held meeting) that confirms a good pair.
GOOD_RATING = 4.0

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
    good: int
    poor: int
    # Decided or confirmed by attendance, feedback or how the match ended (see the module).
    followed_up: int = 0

    @property
    def total(self) -> int:
        return self.good + self.poor

    @property
    def enough(self) -> bool:
        return self.total >= MIN_OUTCOMES and min(self.good, self.poor) >= MIN_PER_CLASS


@dataclass(frozen=True)
class TrainingData:
    features: NDArray[np.float64]
    outcomes: NDArray[np.int64]
    followed_up: int = 0


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


@dataclass(frozen=True)
class PairHistory:
    """What happened between a pupil and an ambassador after the proposal."""

    present: int = 0  # held meetings the pupil came to
    absent: int = 0
    rating: float | None = None  # the pupil's average feedback on the ambassador's meetings


@dataclass(frozen=True)
class Outcome:
    pupil_id: int
    ambassador_id: int
    label: int
    followed_up: bool  # the label was decided or confirmed by what happened after the answer


def _histories(db: Session) -> dict[tuple[int, int], PairHistory]:
    """Attendance and feedback per (pupil, ambassador): two grouped queries."""
    attendance = db.execute(
        select(
            MeetingParticipant.pupil_id,
            Meeting.ambassador_id,
            func.sum(
                case(
                    (
                        and_(
                            MeetingParticipant.attendance == Attendance.PRESENT,
                            Meeting.state == MeetingState.HELD,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((MeetingParticipant.attendance == Attendance.ABSENT, 1), else_=0)),
        )
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .group_by(MeetingParticipant.pupil_id, Meeting.ambassador_id)
    ).all()
    ratings = {
        (int(p), int(a)): float(avg)
        for p, a, avg in db.execute(
            select(Feedback.pupil_id, Meeting.ambassador_id, func.avg(Feedback.rating))
            .join(Meeting, Meeting.id == Feedback.meeting_id)
            .group_by(Feedback.pupil_id, Meeting.ambassador_id)
        ).all()
    }
    histories = {
        (int(p), int(a)): PairHistory(
            present=int(present or 0),
            absent=int(absent or 0),
            rating=ratings.get((int(p), int(a))),
        )
        for p, a, present, absent in attendance
    }
    for pair, rating in ratings.items():
        histories.setdefault(pair, PairHistory(rating=rating))
    return histories


def label_outcome(
    *, accepted: bool, close_reason: CloseReason | None, history: PairHistory | None
) -> tuple[int, bool]:
    """``(label, followed_up)`` of one answered proposal (the rules in the module docstring)."""
    if not accepted:
        return 0, False
    history = history or PairHistory()
    if (
        close_reason is CloseReason.NO_LONGER_WANTED
        or history.absent >= POOR_ABSENCES
        or (history.rating is not None and history.rating <= POOR_RATING)
    ):
        return 0, True
    confirmed = history.present > 0 and history.rating is not None and history.rating >= GOOD_RATING
    return 1, confirmed


def outcomes(db: Session) -> list[Outcome]:
    """Every answered proposal with its label, oldest first."""
    rows = db.execute(
        select(Match.pupil_id, Match.ambassador_id, _ACCEPTED, Match.close_reason)
        .where(or_(_ACCEPTED, _DECLINED))
        .order_by(Match.id)
    ).all()
    histories = _histories(db)
    found = []
    for p, a, accepted, close_reason in rows:
        label, followed_up = label_outcome(
            accepted=bool(accepted),
            close_reason=close_reason,
            history=histories.get((int(p), int(a))),
        )
        found.append(Outcome(int(p), int(a), label, followed_up))
    return found


def outcome_pairs(db: Session) -> list[tuple[int, int, int]]:
    """``(pupil id, ambassador id, 1 or 0)`` of every answered proposal, oldest first."""
    return [(o.pupil_id, o.ambassador_id, o.label) for o in outcomes(db)]


def count_outcomes(db: Session) -> OutcomeCounts:
    found = outcomes(db)
    good = sum(o.label for o in found)
    return OutcomeCounts(
        good=good, poor=len(found) - good, followed_up=sum(o.followed_up for o in found)
    )


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
    found = outcomes(db)
    known_pupils = set(db.scalars(select(Pupil.id)))
    known_ambassadors = set(db.scalars(select(Ambassador.id)))
    kept = [o for o in found if o.pupil_id in known_pupils and o.ambassador_id in known_ambassadors]
    x = pair_features(db, [(o.pupil_id, o.ambassador_id) for o in kept])
    y = np.array([o.label for o in kept], dtype=np.int64)
    return TrainingData(features=x, outcomes=y, followed_up=sum(o.followed_up for o in kept))


def train(db: Session, *, actor: User | None) -> Training:
    """Challenge the model in use with one trained on the outcomes; store the candidate inactive.

    With too few outcomes nothing is trained or stored (``stored`` is None).
    """
    current = active_model(db)
    data = training_data(db)
    good = int(data.outcomes.sum())
    counts = OutcomeCounts(good=good, poor=len(data.outcomes) - good, followed_up=data.followed_up)
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
                "good": counts.good,
                "poor": counts.poor,
                "followed_up": counts.followed_up,
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
