"""The demo ambassador's “Mine elever”: two proposals waiting for an answer and one mentee.

Made through the matches service, as a counsellor's run would: the proposal e-mails land in the
outbox like real ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from mentor.matches import service
from mentor.models import Ambassador, ConsentState, Pupil, PupilStatus

WAITING = 2
ACCEPTED = 1
MODEL_VERSION = "demo-1"
# Feature names the page explains in the reader's language.
REASONS = (
    {"feature": "school_affinity", "contribution": 0.35},
    {"feature": "interest_similarity", "contribution": 0.3},
    {"feature": "availability_overlap", "contribution": 0.15},
)


def _candidates(ambassador: Ambassador, pupils: Sequence[Pupil]) -> list[Pupil]:
    """Pupils who may be matched, the ambassador's own former school and grades first."""
    grades = set(ambassador.preferred_grades) or {7, 8, 9, 10}
    matchable = [
        pupil
        for pupil in pupils
        if pupil.status is PupilStatus.ACTIVE and pupil.consent_state is ConsentState.GIVEN
    ]
    return sorted(
        matchable,
        key=lambda p: (
            p.school_id != ambassador.former_school_id,
            p.grade not in grades,
            p.school_ref,
        ),
    )


def build_proposals(session: Session, ambassador: Ambassador, pupils: Sequence[Pupil]) -> int:
    """Propose pupils to the demo ambassador and accept the first; returns how many."""
    chosen = _candidates(ambassador, pupils)[: WAITING + ACCEPTED]
    for index, pupil in enumerate(chosen):
        match = service.propose(
            session,
            pupil=pupil,
            ambassador=ambassador,
            score=round(0.9 - 0.05 * index, 2),
            explanation={"reasons": [dict(reason) for reason in REASONS]},
            model_version=MODEL_VERSION,
            actor=None,
        )
        if index < ACCEPTED:
            service.accept(session, match=match, ambassador=ambassador)
    return len(chosen)
