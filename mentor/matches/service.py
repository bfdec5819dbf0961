"""Proposals and matches: the one writer of ``Match`` rows.

A counsellor's run (or, until the matching workflow exists, the tests and the demo) proposes a
pupil to an ambassador; the ambassador accepts, or declines with a reason; a proposal left
unanswered expires. A declined or expired pair is never proposed again, and the pupil returns to
the pool. Accepting must respect the ambassador's capacity when two accepts race: the ambassador
row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers) and
the accepted matches are counted under that lock.

Functions flush and leave the commit to the caller (one transaction per action).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.config import Settings, get_settings
from mentor.db import locked, utcnow
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import LazyText, lazy_gettext
from mentor.matches import handoff
from mentor.meetings import ended_matches
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    AmbassadorState,
    CloseReason,
    DeclineReason,
    Match,
    MatchState,
    Pupil,
    User,
)
from mentor.notifications.service import queue_email
from mentor.policy import proposable_ambassadors
from mentor.pupils.eligibility import may_be_matched

# The pair's history that rules out a new proposal: the ambassador said no or never answered, or
# the pair met and the match ended (a counsellor ended it, or consent was withdrawn).
NEVER_AGAIN_STATES = (
    MatchState.DECLINED,
    MatchState.EXPIRED,
    MatchState.CLOSED,
    MatchState.WITHDRAWN,
)
DECLINE_REASON_MAX = 1000

PUPIL_NOT_MATCHABLE = lazy_gettext(
    "This pupil cannot be proposed: the pupil is not active or the guardian has not given consent."
)
AMBASSADOR_NOT_PROPOSABLE = lazy_gettext(
    "This ambassador cannot be proposed: only active ambassadors who take mentees can be proposed."
)
PAIR_NEVER_AGAIN = lazy_gettext(
    "This pupil and this ambassador have been proposed to each other before (declined, "
    "unanswered or ended); the pair is never proposed again."
)
PUPIL_HAS_OPEN_MATCH = lazy_gettext("This pupil already has an open proposal or match.")
ALREADY_ANSWERED = lazy_gettext("This proposal has already been answered or has ended.")
NOT_ACTIVE = lazy_gettext("You can accept mentees only while your profile is active.")
CHOOSE_REASON = lazy_gettext("Choose a reason.")
EXPLAIN_OTHER = lazy_gettext("Tell us briefly why, when you choose “Other”.")


def answer_deadline(match: Match, settings: Settings) -> datetime:
    """When an unanswered proposal expires."""
    return match.proposed_at + timedelta(days=settings.proposal_answer_days)


def never_again_pairs() -> Select[tuple[int, int]]:
    """(pupil_id, ambassador_id) of each pair that may not be proposed again."""
    return (
        select(Match.pupil_id, Match.ambassador_id)
        .where(Match.state.in_(NEVER_AGAIN_STATES))
        .distinct()
    )


def _is_proposable(db: Session, ambassador: Ambassador) -> bool:
    # The policy's one answer: active (vetted, børneattest cleared, trained) with room (capacity 0
    # means paused).
    query = proposable_ambassadors().where(Ambassador.id == ambassador.id)
    return db.scalar(query) is not None


def _lock_pupil(db: Session, pupil: Pupil) -> None:
    # Serialises with a consent withdrawal for the same pupil (mentor.pupils.consent).
    db.execute(select(Pupil.id).where(Pupil.id == pupil.id).with_for_update())


def _record_transition(
    db: Session, *, actor_id: int | None, match: Match, before: MatchState, **extra: str
) -> None:
    """The audit event of a match changing state (``extra``: e.g. the reason)."""
    record(
        db,
        actor_id=actor_id,
        action="update",
        object_type="match",
        object_id=match.id,
        pupil_id=match.pupil_id,
        details={"from": before.value, "to": match.state.value, **extra},
    )


def _end(
    match: Match, *, actor: User, reason: CloseReason, now: datetime, note: str | None = None
) -> MatchState:
    """End an open match in place; returns the state it had.

    A proposal the ambassador has not answered is taken back; an accepted match is closed.
    """
    before = match.state
    match.state = MatchState.WITHDRAWN if before is MatchState.PROPOSED else MatchState.CLOSED
    match.closed_at = now
    match.closed_by_id = actor.id
    match.close_reason = reason
    match.close_note = note
    return before


def _mail_ambassador(
    db: Session, ambassador: Ambassador, template: str, context: dict[str, Any]
) -> None:
    user = db.get_one(User, ambassador.user_id)
    queue_email(
        db,
        to=user.email,
        template=template,
        locale=user.locale or "da",
        context={"name": user.full_name, **context},
    )


def propose(
    db: Session,
    *,
    pupil: Pupil,
    ambassador: Ambassador,
    score: float | None,
    explanation: dict[str, Any] | None,
    model_version: str | None,
    actor: User | None,
    run_id: int | None = None,
    settings: Settings | None = None,
) -> Match:
    """Propose ``pupil`` to ``ambassador`` and tell the ambassador by e-mail.

    Refused with a ``Conflict`` (the message says why): a pupil who may not be matched, an
    ambassador who may not be proposed, a pair declined or expired before, a pupil who already
    has an open proposal or match.
    """
    settings = settings or get_settings()
    _lock_pupil(db, pupil)
    db.refresh(pupil)
    if not may_be_matched(pupil):
        raise Conflict(PUPIL_NOT_MATCHABLE)
    if not _is_proposable(db, ambassador):
        raise Conflict(AMBASSADOR_NOT_PROPOSABLE)
    history = select(Match.id).where(
        Match.pupil_id == pupil.id,
        Match.ambassador_id == ambassador.id,
        Match.state.in_(NEVER_AGAIN_STATES),
    )
    if db.scalar(history) is not None:
        raise Conflict(PAIR_NEVER_AGAIN)
    open_match = select(Match.id).where(
        Match.pupil_id == pupil.id, Match.state.in_(OPEN_MATCH_STATES)
    )
    if db.scalar(open_match) is not None:
        raise Conflict(PUPIL_HAS_OPEN_MATCH)
    match = Match(
        pupil_id=pupil.id,
        ambassador_id=ambassador.id,
        run_id=run_id,
        state=MatchState.PROPOSED,
        score=score,
        explanation=explanation,
        model_version=model_version,
        proposed_at=utcnow(),
        created_by_id=actor.id if actor else None,
    )
    try:
        # The partial unique index (one open match a pupil) catches the proposal that slips in
        # between the check and the write on another machine.
        with db.begin_nested():
            db.add(match)
            db.flush()
    except IntegrityError as error:
        raise Conflict(PUPIL_HAS_OPEN_MATCH) from error
    record(
        db,
        actor_id=actor.id if actor else None,
        action="create",
        object_type="match",
        object_id=match.id,
        pupil_id=pupil.id,
        details={"ambassador_id": ambassador.id, "state": match.state.value},
    )
    _mail_ambassador(
        db,
        ambassador,
        "proposal_new",
        {
            "first_name": pupil.first_name,
            "grade": pupil.grade,
            "deadline": answer_deadline(match, settings),
            "link": f"{settings.base_url}/ambassador/mentees",
        },
    )
    return match


def accepted_count(db: Session, ambassador: Ambassador) -> int:
    query = select(func.count(Match.id)).where(
        Match.ambassador_id == ambassador.id, Match.state == MatchState.ACCEPTED
    )
    return db.scalar(query) or 0


def accept(
    db: Session, *, match: Match, ambassador: Ambassador, settings: Settings | None = None
) -> Match:
    """Accept a waiting proposal, within the ambassador's capacity even when accepts race.

    The school's coordinators and counsellors, and the guardian, are told (``handoff``).
    """
    if match.ambassador_id != ambassador.id:
        raise NotFound()
    # Parent row first, then the match: every writer takes the locks in this order.
    ambassador = locked(db, ambassador)
    match = locked(db, match)
    if match.state is not MatchState.PROPOSED:
        raise Conflict(ALREADY_ANSWERED)
    if ambassador.state is not AmbassadorState.ACTIVE:
        raise Conflict(NOT_ACTIVE)
    if accepted_count(db, ambassador) >= ambassador.capacity:
        raise Conflict(
            lazy_gettext(
                "You already have as many mentees as your capacity allows (%(capacity)s). "
                "Raise your capacity in your profile, or decline the proposal.",
                capacity=ambassador.capacity,
            )
        )
    match.state = MatchState.ACCEPTED
    match.responded_at = utcnow()
    db.flush()
    _record_transition(db, actor_id=ambassador.user_id, match=match, before=MatchState.PROPOSED)
    handoff.announce_accepted(db, match=match, settings=settings or get_settings())
    return match


ChoiceT = TypeVar("ChoiceT", bound=StrEnum)


def _checked_note(
    choice: ChoiceT | None,
    note: str | None,
    *,
    fields: tuple[str, str],
    max_length: int,
    other: ChoiceT,
    explain_other: LazyText,
) -> tuple[ChoiceT, str]:
    """The chosen reason and its note, stripped; refused, next to ``fields`` (the choice's and
    the note's), when no reason is chosen, the note is too long, or "other" comes without one."""
    choice_field, note_field = fields
    text = (note or "").strip()
    if choice is None:
        raise InvalidInput({choice_field: CHOOSE_REASON})
    if len(text) > max_length:
        too_long = lazy_gettext("Write at most %(max)s characters.", max=max_length)
        raise InvalidInput({note_field: too_long})
    if choice is other and not text:
        raise InvalidInput({note_field: explain_other})
    return choice, text


def decline(
    db: Session,
    *,
    match: Match,
    ambassador: Ambassador,
    category: DeclineReason | None,
    reason: str | None,
) -> Match:
    """Decline a waiting proposal: the pupil returns to the pool, the pair never comes back."""
    if match.ambassador_id != ambassador.id:
        raise NotFound()
    category, text = _checked_note(
        category,
        reason,
        fields=("category", "reason"),
        max_length=DECLINE_REASON_MAX,
        other=DeclineReason.OTHER,
        explain_other=EXPLAIN_OTHER,
    )
    match = locked(db, match)
    if match.state is not MatchState.PROPOSED:
        raise Conflict(ALREADY_ANSWERED)
    match.state = MatchState.DECLINED
    match.responded_at = utcnow()
    match.decline_category = category
    match.decline_reason = text or None
    db.flush()
    _record_transition(db, actor_id=ambassador.user_id, match=match, before=MatchState.PROPOSED)
    return match


@dataclass(frozen=True)
class ExpiryResult:
    reminded: int
    expired: int


def _due(query: Select[tuple[Match]]) -> Select[tuple[Match]]:
    # Another machine running the same command skips the rows this one holds (PostgreSQL;
    # SQLite has no row locks, and BEGIN IMMEDIATE serialises the runs).
    return query.order_by(Match.id).with_for_update(skip_locked=True)


def expire_due(db: Session, *, now: datetime, settings: Settings) -> ExpiryResult:
    """Remind the day before the deadline (once), expire at the deadline. Idempotent."""
    days = settings.proposal_answer_days
    expire_before = now - timedelta(days=days)
    remind_before = now - timedelta(days=max(days - 1, 0))
    expiring = db.scalars(
        _due(
            select(Match).where(
                Match.state == MatchState.PROPOSED, Match.proposed_at <= expire_before
            )
        )
    ).all()
    for match in expiring:
        match.state = MatchState.EXPIRED
        match.responded_at = None
        _record_transition(db, actor_id=None, match=match, before=MatchState.PROPOSED)
        ambassador = db.get_one(Ambassador, match.ambassador_id)
        pupil = db.get_one(Pupil, match.pupil_id)
        _mail_ambassador(
            db,
            ambassador,
            "proposal_expired",
            {"first_name": pupil.first_name, "link": f"{settings.base_url}/ambassador/mentees"},
        )
    reminding = db.scalars(
        _due(
            select(Match).where(
                Match.state == MatchState.PROPOSED,
                Match.reminder_sent_at.is_(None),
                Match.proposed_at <= remind_before,
                Match.proposed_at > expire_before,
            )
        )
    ).all()
    for match in reminding:
        match.reminder_sent_at = now
        ambassador = db.get_one(Ambassador, match.ambassador_id)
        pupil = db.get_one(Pupil, match.pupil_id)
        _mail_ambassador(
            db,
            ambassador,
            "proposal_reminder",
            {
                "first_name": pupil.first_name,
                "deadline": answer_deadline(match, settings),
                "link": f"{settings.base_url}/ambassador/mentees",
            },
        )
    db.flush()
    return ExpiryResult(reminded=len(reminding), expired=len(expiring))


def end_open_matches(
    db: Session,
    *,
    actor: User,
    pupil: Pupil,
    reason: CloseReason,
    now: datetime | None = None,
) -> int:
    """End the pupil's open proposal or match at once; returns how many were ended.

    Consent withdrawn, a pupil archived: no ambassador keeps seeing the pupil.
    """
    now = now or utcnow()
    ended = db.scalars(
        select(Match)
        .where(Match.pupil_id == pupil.id, Match.state.in_(OPEN_MATCH_STATES))
        .with_for_update()
    ).all()
    for match in ended:
        before = _end(match, actor=actor, reason=reason, now=now)
        _record_transition(db, actor_id=actor.id, match=match, before=before, reason=reason.value)
        _after_end(db, match=match, before=before, actor=actor, now=now)
    db.flush()
    return len(ended)


def _after_end(
    db: Session, *, match: Match, before: MatchState, actor: User, now: datetime
) -> None:
    """What follows a match's end, however it ended (a counsellor, consent withdrawn, the
    pupil archived, the ambassador left)."""
    # Only an ambassador who had said yes is told; a proposal they never answered just leaves
    # their page. The e-mail names the pupil's first name, never the reason.
    if before is MatchState.ACCEPTED:
        handoff.tell_ambassador_match_ended(db, match=match)
        # The pupil leaves the match's upcoming meetings, with notice to everyone invited.
        ended_matches.cancel_meetings_of_ended_match(
            db, match=match, actor=actor, now=now, settings=get_settings()
        )


# What an ambassador's "Mine elever" page lists


def ambassador_matches(
    ambassador: Ambassador, states: tuple[MatchState, ...]
) -> Select[tuple[Match]]:
    return (
        select(Match)
        .where(Match.ambassador_id == ambassador.id, Match.state.in_(states))
        .order_by(Match.proposed_at.desc(), Match.id.desc())
    )


# A counsellor ends one match

CLOSE_NOTE_MAX = 1000
MATCH_ALREADY_ENDED = lazy_gettext(
    "This proposal or match has already ended. Reload the pupil's page to see what happened."
)
EXPLAIN_OTHER_CLOSE = lazy_gettext("Write a short note when you choose “Other”.")


def end_match(
    db: Session,
    *,
    actor: User,
    match: Match,
    reason: CloseReason | None,
    note: str | None,
    now: datetime | None = None,
) -> Match:
    """A counsellor ends an open proposal (withdrawn) or match (closed), with a reason.

    Refused with ``InvalidInput`` (no reason, "other" without a note, a note too long) and with a
    ``Conflict`` when the match is no longer open: the ambassador answered or someone ended it a
    moment ago. Whether the pupil may be proposed again, and when, is the matcher's rule
    (``mentor.matches.features``).
    """
    reason, text = _checked_note(
        reason,
        note,
        fields=("reason", "note"),
        max_length=CLOSE_NOTE_MAX,
        other=CloseReason.OTHER,
        explain_other=EXPLAIN_OTHER_CLOSE,
    )
    # Serialises with the ambassador's accept or decline of the same proposal.
    match = locked(db, match)
    if match.state not in OPEN_MATCH_STATES:
        raise Conflict(MATCH_ALREADY_ENDED)
    now = now or utcnow()
    before = _end(match, actor=actor, reason=reason, now=now, note=text or None)
    db.flush()
    _record_transition(db, actor_id=actor.id, match=match, before=before, reason=reason.value)
    _after_end(db, match=match, before=before, actor=actor, now=now)
    return match
