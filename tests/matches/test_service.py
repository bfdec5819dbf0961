"""The matches service: proposing, accepting within capacity, declining for good, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.matches import service
from mentor.models import (
    AmbassadorState,
    ConsentState,
    DeclineReason,
    Match,
    MatchState,
    OutboxEmail,
    PupilStatus,
    User,
)
from mentor.pupils.eligibility import matchable_pupils
from tests.factories import make_ambassador, make_match, make_pupil

EXPLANATION = {"reasons": [{"feature": "interest_similarity", "contribution": 0.4}]}


def _propose(db: Session, settings: Settings, **kwargs: object) -> Match:
    values: dict[str, object] = {
        "pupil": make_pupil(db),
        "ambassador": make_ambassador(db),
        "score": 0.7,
        "explanation": EXPLANATION,
        "model_version": "baseline-1",
        "actor": None,
        "settings": settings,
    }
    return service.propose(db, **(values | kwargs))  # type: ignore[arg-type]


def _mails_to(db: Session, address: str) -> list[OutboxEmail]:
    return list(db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)))


def test_a_proposal_is_stored_and_mailed_to_the_ambassador(db: Session, settings: Settings) -> None:
    ambassador = make_ambassador(db)
    pupil = make_pupil(db, first_name="Yasmin", grade=8)
    match = _propose(db, settings, pupil=pupil, ambassador=ambassador)

    assert match.state is MatchState.PROPOSED
    assert match.explanation == EXPLANATION
    user = db.get_one(User, ambassador.user_id)
    [email] = _mails_to(db, user.email)
    assert "Yasmin" in email.body_text
    assert "/ambassador/mentees" in email.body_text
    assert str(pupil.guardian_name) not in email.body_text
    assert pupil not in db.scalars(matchable_pupils()).all()


@pytest.mark.parametrize(
    "change",
    [
        {"consent_state": ConsentState.MISSING, "consent_given_by": None},
        {"consent_state": ConsentState.WITHDRAWN},
        {"status": PupilStatus.ARCHIVED},
    ],
)
def test_a_pupil_who_may_not_be_matched_is_refused(
    db: Session, settings: Settings, change: dict[str, object]
) -> None:
    pupil = make_pupil(db, **change)
    with pytest.raises(Conflict):
        _propose(db, settings, pupil=pupil)


@pytest.mark.parametrize("state", [s for s in AmbassadorState if s is not AmbassadorState.ACTIVE])
def test_only_active_ambassadors_can_be_proposed(
    db: Session, settings: Settings, state: AmbassadorState
) -> None:
    ambassador = make_ambassador(db)
    ambassador.state = state
    if state is AmbassadorState.REJECTED:
        ambassador.rejection_reason = "Ikke på en ungdomsuddannelse."
    db.flush()
    with pytest.raises(Conflict):
        _propose(db, settings, ambassador=ambassador)


def test_an_ambassador_with_capacity_0_is_paused_and_not_proposed(
    db: Session, settings: Settings
) -> None:
    with pytest.raises(Conflict):
        _propose(db, settings, ambassador=make_ambassador(db, capacity=0))


def test_a_pupil_with_an_open_match_is_refused(db: Session, settings: Settings) -> None:
    pupil = make_pupil(db)
    _propose(db, settings, pupil=pupil)
    with pytest.raises(Conflict):
        _propose(db, settings, pupil=pupil)


def test_accept_within_capacity_then_conflict(db: Session, settings: Settings) -> None:
    ambassador = make_ambassador(db, capacity=1)
    first = _propose(db, settings, ambassador=ambassador)
    second = _propose(db, settings, ambassador=ambassador)

    service.accept(db, match=first, ambassador=ambassador)
    assert first.state is MatchState.ACCEPTED
    assert first.responded_at is not None
    with pytest.raises(Conflict) as refused:
        service.accept(db, match=second, ambassador=ambassador)
    assert "1" in str(refused.value.message)
    assert db.get_one(Match, second.id).state is MatchState.PROPOSED


def test_a_paused_ambassador_cannot_accept(db: Session, settings: Settings) -> None:
    ambassador = make_ambassador(db)
    match = _propose(db, settings, ambassador=ambassador)
    ambassador.state = AmbassadorState.PAUSED
    db.flush()
    with pytest.raises(Conflict):
        service.accept(db, match=match, ambassador=ambassador)


def test_an_answered_proposal_cannot_be_answered_again(db: Session, settings: Settings) -> None:
    ambassador = make_ambassador(db)
    match = _propose(db, settings, ambassador=ambassador)
    service.accept(db, match=match, ambassador=ambassador)
    with pytest.raises(Conflict):
        service.accept(db, match=match, ambassador=ambassador)
    with pytest.raises(Conflict):
        service.decline(
            db, match=match, ambassador=ambassador, category=DeclineReason.POOR_FIT, reason=None
        )


def test_another_ambassadors_proposal_is_not_found(db: Session, settings: Settings) -> None:
    match = _propose(db, settings)
    stranger = make_ambassador(db)
    with pytest.raises(NotFound):
        service.accept(db, match=match, ambassador=stranger)
    with pytest.raises(NotFound):
        service.decline(
            db, match=match, ambassador=stranger, category=DeclineReason.OTHER, reason="x"
        )


def test_decline_returns_the_pupil_to_the_pool_and_the_pair_is_never_proposed_again(
    db: Session, settings: Settings
) -> None:
    pupil, ambassador = make_pupil(db), make_ambassador(db)
    match = _propose(db, settings, pupil=pupil, ambassador=ambassador)
    service.decline(
        db,
        match=match,
        ambassador=ambassador,
        category=DeclineReason.KNOW_THE_PUPIL,
        reason=" Hun er min kusine. ",
    )

    assert match.state is MatchState.DECLINED
    assert match.decline_category is DeclineReason.KNOW_THE_PUPIL
    assert match.decline_reason == "Hun er min kusine."
    assert pupil in db.scalars(matchable_pupils()).all()
    assert (pupil.id, ambassador.id) in db.execute(service.never_again_pairs()).tuples().all()
    with pytest.raises(Conflict):
        _propose(db, settings, pupil=pupil, ambassador=ambassador)
    # Another ambassador may still be proposed.
    assert _propose(db, settings, pupil=pupil).state is MatchState.PROPOSED


def test_decline_needs_a_reason_and_words_for_other(db: Session, settings: Settings) -> None:
    ambassador = make_ambassador(db)
    match = _propose(db, settings, ambassador=ambassador)
    with pytest.raises(InvalidInput) as missing:
        service.decline(db, match=match, ambassador=ambassador, category=None, reason="")
    assert set(missing.value.field_errors) == {"category"}
    with pytest.raises(InvalidInput) as other:
        service.decline(
            db, match=match, ambassador=ambassador, category=DeclineReason.OTHER, reason=" "
        )
    assert set(other.value.field_errors) == {"reason"}
    with pytest.raises(InvalidInput):
        service.decline(
            db, match=match, ambassador=ambassador, category=DeclineReason.OTHER, reason="x" * 1001
        )
    assert match.state is MatchState.PROPOSED


def test_expiry_reminds_once_the_day_before_and_expires_once_at_the_deadline(
    db: Session, settings: Settings
) -> None:
    ambassador = make_ambassador(db)
    pupil = make_pupil(db, first_name="Malthe")
    match = make_match(db, pupil=pupil, ambassador=ambassador, proposed_at=utcnow())
    start = match.proposed_at
    days = settings.proposal_answer_days

    early = service.expire_due(db, now=start + timedelta(days=days - 2), settings=settings)
    assert (early.reminded, early.expired) == (0, 0)

    day_before = start + timedelta(days=days - 1, hours=1)
    first = service.expire_due(db, now=day_before, settings=settings)
    again = service.expire_due(db, now=day_before + timedelta(hours=2), settings=settings)
    assert (first.reminded, first.expired) == (1, 0)
    assert (again.reminded, again.expired) == (0, 0)
    assert match.reminder_sent_at == day_before
    assert match.state is MatchState.PROPOSED

    deadline = start + timedelta(days=days, minutes=1)
    expired = service.expire_due(db, now=deadline, settings=settings)
    twice = service.expire_due(db, now=deadline + timedelta(days=1), settings=settings)
    assert (expired.reminded, expired.expired) == (0, 1)
    assert (twice.reminded, twice.expired) == (0, 0)
    assert match.state is MatchState.EXPIRED

    mails = _mails_to(db, db.get_one(User, ambassador.user_id).email)
    assert len(mails) == 2  # one reminder, one "expired"
    assert all("Malthe" in mail.body_text for mail in mails)
    # The same effect as a decline: back in the pool, and this pair never again.
    assert pupil in db.scalars(matchable_pupils()).all()
    with pytest.raises(Conflict):
        _propose(db, settings, pupil=pupil, ambassador=ambassador)


def test_expiry_leaves_answered_proposals_alone(db: Session, settings: Settings) -> None:
    old = utcnow() - timedelta(days=30)
    accepted = make_match(db, state=MatchState.ACCEPTED, proposed_at=old)
    declined = make_match(
        db, state=MatchState.DECLINED, proposed_at=old, decline_category=DeclineReason.SCHEDULE
    )
    service.expire_due(db, now=utcnow(), settings=settings)
    assert accepted.state is MatchState.ACCEPTED
    assert declined.state is MatchState.DECLINED
    assert accepted.reminder_sent_at is None
