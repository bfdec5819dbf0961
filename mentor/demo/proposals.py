"""The demo ambassador's “Mine elever”: two proposals waiting for an answer and one mentee.

Made through the matches service, as a counsellor's run would: the proposal e-mails land in the
outbox like real ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.matches import service
from mentor.models import (
    Ambassador,
    AmbassadorInterest,
    ConsentState,
    Interest,
    Organisation,
    Pupil,
    PupilInterest,
    PupilStatus,
)

WAITING = 2
ACCEPTED = 1
MODEL_VERSION = "demo-1"
NAMED_INTERESTS = 3


def _reasons(session: Session, ambassador: Ambassador, pupil: Pupil) -> list[dict[str, Any]]:
    """Why the pair was proposed, as facts a run stores (``mentor.matches.explanations``): only
    the ones that hold for this pupil and this ambassador."""
    reasons: list[dict[str, Any]] = []
    school = session.get(Organisation, pupil.school_id)
    if school is not None and school.id == ambassador.former_school_id:
        facts = {"former_school": school.name}
        reasons.append({"feature": "school_affinity", "contribution": 0.15, "facts": facts})
    both = session.scalars(
        select(Interest)
        .join(PupilInterest, PupilInterest.interest_id == Interest.id)
        .join(AmbassadorInterest, AmbassadorInterest.interest_id == Interest.id)
        .where(
            PupilInterest.pupil_id == pupil.id, AmbassadorInterest.ambassador_id == ambassador.id
        )
        .order_by(Interest.sort_order, Interest.id)
        .limit(NAMED_INTERESTS)
    )
    shared = [{"da": i.label_da, "en": i.label_en} for i in both]
    if shared:
        facts_i = {"shared_interests": shared}
        reasons.append({"feature": "interest_similarity", "contribution": 0.1, "facts": facts_i})
    if pupil.grade in ambassador.preferred_grades:
        facts_g = {"grade": pupil.grade}
        reasons.append({"feature": "grade_preference", "contribution": 0.05, "facts": facts_g})
    return reasons


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
            explanation={"reasons": _reasons(session, ambassador, pupil)},
            model_version=MODEL_VERSION,
            actor=None,
        )
        if index < ACCEPTED:
            service.accept(session, match=match, ambassador=ambassador)
    return len(chosen)
