"""Who may be matched: an active pupil whose guardian has given consent.

Its own small module, importing neither the consent service nor the matches service: consent
ends matches (``mentor.matches.service``), and the matches service asks who may be matched.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, select

from mentor.models import OPEN_MATCH_STATES, ConsentState, Match, Pupil, PupilStatus


def may_be_matched(pupil: Pupil) -> bool:
    """An active pupil whose guardian has given consent (open matches aside)."""
    return pupil.status is PupilStatus.ACTIVE and pupil.consent_state is ConsentState.GIVEN


def matchable_pupils(*, set_aside_run: int | None = None) -> Select[tuple[Pupil]]:
    """Pupils the matcher may propose: active, consent given, and no open proposal or match.

    Unscoped: the caller adds its scope (``.where(Pupil.school_id.in_(...))``).
    ``set_aside_run``: as if that run's proposals had not been made (the weights' what-if).
    """
    has_open_match = exists().where(
        Match.pupil_id == Pupil.id,
        Match.state.in_(OPEN_MATCH_STATES),
        *([Match.run_id.is_distinct_from(set_aside_run)] if set_aside_run is not None else []),
    )
    return select(Pupil).where(
        and_(
            Pupil.status == PupilStatus.ACTIVE,
            Pupil.consent_state == ConsentState.GIVEN,
            ~has_open_match,
        )
    )
