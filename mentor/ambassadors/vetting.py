"""The vetting pipeline of an ambassador: an explicit table of the moves allowed between states.

applied → approved → certificate_requested → certificate_cleared → trained → active (training is
booked, without a change of state, between the cleared børneattest and the completed training), with
paused ⇄ active, left from anywhere in the pipeline once approved, and rejected (with a reason)
before the børneattest is cleared. Anything else is refused with a ``Conflict``. Lov om
indhentelse af børneattest: nobody with a fixed affiliation may have direct contact with children
under 15 before the organisation has seen a børneattest, so the certificate step cannot be
skipped. Only status, date and assessor are stored, never the certificate itself.

Every move writes an audit event; approving an application mails the applicant a link to choose a
password. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mentor.accounts.links import send_invitation
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE, LazyText, format_local_date, lazy_gettext
from mentor.matches import service as matches
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    AmbassadorState,
    CloseReason,
    Match,
    Pupil,
    User,
)

S = AmbassadorState

# (from, to): every move the pipeline allows. Nothing else is a legal transition.
TRANSITIONS: frozenset[tuple[AmbassadorState, AmbassadorState]] = frozenset(
    {
        (S.APPLIED, S.APPROVED),
        (S.APPLIED, S.REJECTED),
        (S.APPROVED, S.CERTIFICATE_REQUESTED),
        (S.APPROVED, S.REJECTED),
        (S.APPROVED, S.LEFT),
        (S.CERTIFICATE_REQUESTED, S.CERTIFICATE_CLEARED),
        # A børneattest the admin cannot accept ends the application.
        (S.CERTIFICATE_REQUESTED, S.REJECTED),
        (S.CERTIFICATE_REQUESTED, S.LEFT),
        (S.CERTIFICATE_CLEARED, S.TRAINED),
        (S.CERTIFICATE_CLEARED, S.LEFT),
        (S.TRAINED, S.ACTIVE),
        (S.TRAINED, S.LEFT),
        (S.ACTIVE, S.PAUSED),
        (S.ACTIVE, S.LEFT),
        (S.PAUSED, S.ACTIVE),
        (S.PAUSED, S.LEFT),
    }
)

# States in which the børneattest is on record and can be checked again.
CLEARED_STATES = frozenset({S.CERTIFICATE_CLEARED, S.TRAINED, S.ACTIVE, S.PAUSED})
# A re-check shows up this many days before it is due.
RECHECK_WARNING_DAYS = 30

STATE_LABELS: dict[AmbassadorState, LazyText] = {
    S.APPLIED: lazy_gettext("Applied"),
    S.APPROVED: lazy_gettext("Approved to onboard"),
    S.CERTIFICATE_REQUESTED: lazy_gettext("Børneattest requested"),
    S.CERTIFICATE_CLEARED: lazy_gettext("Børneattest cleared"),
    S.TRAINED: lazy_gettext("Training completed"),
    S.ACTIVE: lazy_gettext("Active"),
    S.PAUSED: lazy_gettext("Paused"),
    S.LEFT: lazy_gettext("Left"),
    S.REJECTED: lazy_gettext("Rejected"),
}


class IllegalTransition(Conflict):
    def __init__(self, current: AmbassadorState, target: AmbassadorState) -> None:
        super().__init__(
            lazy_gettext(
                "An ambassador who is “%(current)s” cannot become “%(target)s”. "
                "Reload the page to see the current state.",
                current=STATE_LABELS[current],
                target=STATE_LABELS[target],
            )
        )


def may_move(current: AmbassadorState, target: AmbassadorState) -> bool:
    return (current, target) in TRANSITIONS


def _move(
    db: Session,
    *,
    actor: User,
    ambassador: Ambassador,
    target: AmbassadorState,
    details: dict[str, object] | None = None,
    **values: object,
) -> None:
    """Check the move against the table, then set the state and ``values`` together.

    Together, because the database checks that the dates (and a rejection's reason) are there
    whenever the state says they must be, and a query in between may flush.
    """
    current = ambassador.state
    if not may_move(current, target):
        raise IllegalTransition(current, target)
    for name, value in values.items():
        setattr(ambassador, name, value)
    ambassador.state = target
    record(
        db,
        actor_id=actor.id,
        action=f"ambassador_{target.value}",
        object_type="ambassador",
        object_id=ambassador.id,
        details={"from": current.value, "to": target.value, **(details or {})},
    )


def _moment(day: date) -> datetime:
    """A date as the stored moment: noon in Denmark, so it reads as that day in every zone."""
    return datetime.combine(day, time(12), LOCAL_TIMEZONE)


def _past_date(day: date, field: str) -> datetime:
    if day > utcnow().astimezone(LOCAL_TIMEZONE).date():
        raise InvalidInput({field: lazy_gettext("The date cannot be in the future.")})
    return _moment(day)


def _not_before(
    day: date, field: str, earlier: datetime | None, message: Callable[[str], LazyText]
) -> None:
    """A step's date cannot come before the date of the step it follows: the dates of the
    pipeline only go forward. ``message`` says so, given that step's date as Danes write it."""
    if earlier is None:
        return
    earlier_day = earlier.astimezone(LOCAL_TIMEZONE).date()
    if day < earlier_day:
        raise InvalidInput({field: message(format_local_date(earlier_day))})


def get_ambassador(db: Session, ambassador_id: int) -> Ambassador:
    ambassador = db.scalar(
        select(Ambassador)
        .where(Ambassador.id == ambassador_id)
        .options(
            joinedload(Ambassador.user),
            joinedload(Ambassador.institution),
            joinedload(Ambassador.programme),
        )
    )
    if ambassador is None:
        raise NotFound()
    return ambassador


def approve(
    db: Session, *, actor: User, ambassador: Ambassador, settings: Settings, locale: str = "da"
) -> None:
    """Approve an application: the account opens and the applicant is mailed a password link."""
    _move(db, actor=actor, ambassador=ambassador, target=S.APPROVED)
    user = db.get(User, ambassador.user_id)
    assert user is not None
    user.is_active = True
    send_invitation(
        db,
        user=user,
        actor=actor,
        settings=settings,
        locale=user.locale or locale,
        template="ambassador_approved",
    )
    db.flush()


def request_certificate(
    db: Session, *, actor: User, ambassador: Ambassador, on: date | None = None
) -> None:
    """The admin has ordered the børneattest (the person consents in Digital Post)."""
    moment = _past_date(on, "on") if on is not None else utcnow()
    _move(
        db,
        actor=actor,
        ambassador=ambassador,
        target=S.CERTIFICATE_REQUESTED,
        child_certificate_requested_at=moment,
    )
    db.flush()


def clear_certificate(
    db: Session, *, actor: User, ambassador: Ambassador, assessed_on: date, assessor: User
) -> None:
    _not_before(
        assessed_on,
        "assessed_on",
        ambassador.child_certificate_requested_at,
        lambda when: lazy_gettext(
            "The børneattest cannot be cleared before it was requested (%(date)s).", date=when
        ),
    )
    moment = _past_date(assessed_on, "assessed_on")
    _move(
        db,
        actor=actor,
        ambassador=ambassador,
        target=S.CERTIFICATE_CLEARED,
        details={"assessed_on": assessed_on.isoformat(), "assessor_id": assessor.id},
        child_certificate_assessed_at=moment,
        child_certificate_assessor_id=assessor.id,
    )
    db.flush()


def recheck_certificate(
    db: Session, *, actor: User, ambassador: Ambassador, assessed_on: date, assessor: User
) -> None:
    """A new børneattest seen and cleared: the state stays, the re-check clock starts again."""
    if ambassador.state not in CLEARED_STATES:
        raise Conflict(
            lazy_gettext("Only an ambassador whose børneattest has been cleared can be re-checked.")
        )
    _not_before(
        assessed_on,
        "assessed_on",
        ambassador.child_certificate_assessed_at,
        lambda when: lazy_gettext(
            "A re-check cannot be dated before the last assessment (%(date)s).", date=when
        ),
    )
    moment = _past_date(assessed_on, "assessed_on")
    ambassador.child_certificate_assessed_at = moment
    ambassador.child_certificate_assessor_id = assessor.id
    record(
        db,
        actor_id=actor.id,
        action="ambassador_certificate_rechecked",
        object_type="ambassador",
        object_id=ambassador.id,
        details={"assessed_on": assessed_on.isoformat(), "assessor_id": assessor.id},
    )
    db.flush()


def book_training(db: Session, *, actor: User, ambassador: Ambassador, on: date | None) -> None:
    """The admin has booked the ambassador's training (``on``: the day it was booked, today if
    not given). Only once the børneattest is cleared — no contact with children before it — and
    until the training is done; booking again moves the date. The state stays."""
    if ambassador.state is not S.CERTIFICATE_CLEARED:
        raise Conflict(
            lazy_gettext("Training can be booked only once the børneattest has been cleared.")
        )
    day = on if on is not None else utcnow().astimezone(LOCAL_TIMEZONE).date()
    _not_before(
        day,
        "booked_on",
        ambassador.child_certificate_assessed_at,
        lambda when: lazy_gettext(
            "Training cannot be booked before the børneattest was cleared (%(date)s).", date=when
        ),
    )
    ambassador.training_booked_at = _past_date(day, "booked_on")
    record(
        db,
        actor_id=actor.id,
        action="ambassador_training_booked",
        object_type="ambassador",
        object_id=ambassador.id,
        details={"booked_on": day.isoformat()},
    )
    db.flush()


def complete_training(
    db: Session, *, actor: User, ambassador: Ambassador, on: date, field: str = "trained_on"
) -> None:
    """Training done on ``on``; it must have been booked, and not after ``on``. ``field`` is the
    form field the date came from, where the messages go."""
    if not may_move(ambassador.state, S.TRAINED):
        raise IllegalTransition(ambassador.state, S.TRAINED)
    if ambassador.training_booked_at is None:
        raise InvalidInput(
            {field: lazy_gettext("The training has not been booked: book it first.")}
        )
    _not_before(
        on,
        field,
        ambassador.training_booked_at,
        lambda when: lazy_gettext(
            "Training cannot be completed before it was booked (%(date)s).", date=when
        ),
    )
    moment = _past_date(on, field)
    _move(
        db,
        actor=actor,
        ambassador=ambassador,
        target=S.TRAINED,
        details={"trained_on": on.isoformat()},
        training_completed_at=moment,
    )
    db.flush()


def activate(db: Session, *, actor: User, ambassador: Ambassador) -> None:
    _move(db, actor=actor, ambassador=ambassador, target=S.ACTIVE)
    db.flush()


def pause(db: Session, *, actor: User, ambassador: Ambassador) -> None:
    _move(db, actor=actor, ambassador=ambassador, target=S.PAUSED)
    db.flush()


def resume(db: Session, *, actor: User, ambassador: Ambassador) -> None:
    if ambassador.state is not S.PAUSED:
        raise IllegalTransition(ambassador.state, S.ACTIVE)
    _move(db, actor=actor, ambassador=ambassador, target=S.ACTIVE)
    db.flush()


def leave(db: Session, *, actor: User, ambassador: Ambassador) -> None:
    """Mark the ambassador as left and end their open proposals and matches.

    Unanswered proposals are withdrawn and accepted matches closed (reason: the ambassador
    left), so the pupils return to the pool. Through the matches service, the one writer of
    ``Match`` rows; a pupil has at most one open match, so ending the pupil's is ending ours.
    """
    _move(db, actor=actor, ambassador=ambassador, target=S.LEFT)
    pupils = db.scalars(
        select(Pupil)
        .join(Match, Match.pupil_id == Pupil.id)
        .where(Match.ambassador_id == ambassador.id, Match.state.in_(OPEN_MATCH_STATES))
        .order_by(Pupil.id)
    ).all()
    for pupil in pupils:
        matches.end_open_matches(db, actor=actor, pupil=pupil, reason=CloseReason.AMBASSADOR_LEFT)
    db.flush()


def reject(db: Session, *, actor: User, ambassador: Ambassador, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": lazy_gettext("Give a reason for the rejection.")})
    _move(db, actor=actor, ambassador=ambassador, target=S.REJECTED, rejection_reason=reason)
    user = db.get(User, ambassador.user_id)
    if user is not None:
        user.is_active = False  # a rejected applicant has no use for an account
    db.flush()
