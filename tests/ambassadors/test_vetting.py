"""The vetting pipeline: every legal move works, every other one is refused and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.ambassadors import vetting, vetting_lists
from mentor.ambassadors.vetting import TRANSITIONS
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, InvalidInput
from mentor.models import Ambassador, AmbassadorState, AuditEvent, OutboxEmail, Role, User
from mentor.policy import is_proposable, proposable_ambassadors
from tests.factories import make_ambassador, make_user
from tests.pages import main_text
from tests.web import log_in_as, post_form

S = AmbassadorState
ALL_PAIRS = [(a, b) for a in S for b in S]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def in_state(db: Session, state: AmbassadorState, **overrides: Any) -> Ambassador:
    if state is S.REJECTED:
        overrides.setdefault("rejection_reason", "Ikke egnet")
    return make_ambassador(db, state=state, **overrides)


def move(
    db: Session, admin: User, ambassador: Ambassador, target: AmbassadorState, settings: Settings
) -> None:
    """Reach ``target`` through the service function that leads there."""
    today = date.today()
    if target is S.APPROVED:
        vetting.approve(db, actor=admin, ambassador=ambassador, settings=settings)
    elif target is S.CERTIFICATE_REQUESTED:
        vetting.request_certificate(db, actor=admin, ambassador=ambassador)
    elif target is S.CERTIFICATE_CLEARED:
        vetting.clear_certificate(
            db, actor=admin, ambassador=ambassador, assessed_on=today, assessor=admin
        )
    elif target is S.TRAINED:
        vetting.complete_training(db, actor=admin, ambassador=ambassador, on=today)
    elif target is S.ACTIVE:
        if ambassador.state is S.PAUSED:
            vetting.resume(db, actor=admin, ambassador=ambassador)
        else:
            vetting.activate(db, actor=admin, ambassador=ambassador)
    elif target is S.PAUSED:
        vetting.pause(db, actor=admin, ambassador=ambassador)
    elif target is S.LEFT:
        vetting.leave(db, actor=admin, ambassador=ambassador)
    elif target is S.REJECTED:
        vetting.reject(
            db, actor=admin, ambassador=ambassador, reason="Børneattesten kunne ikke godkendes"
        )
    else:  # APPLIED: nothing leads back to an application
        from mentor.ambassadors.vetting import IllegalTransition

        raise IllegalTransition(ambassador.state, target)


def audit_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.mark.parametrize(("source", "target"), sorted(TRANSITIONS))
def test_every_legal_move_works_and_is_audited(
    db: Session, settings: Settings, source: AmbassadorState, target: AmbassadorState
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    ambassador = in_state(db, source)
    before = audit_count(db)
    move(db, admin, ambassador, target, settings)
    db.refresh(ambassador)
    assert ambassador.state is target
    assert audit_count(db) == before + 1


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused(
    db: Session, settings: Settings, source: AmbassadorState, target: AmbassadorState
) -> None:
    admin = make_user(db, role=Role.ADMIN)
    ambassador = in_state(db, source)
    before = audit_count(db)
    with pytest.raises(Conflict) as refused:
        move(db, admin, ambassador, target, settings)
    assert "cannot become" in str(refused.value.message) or "kan ikke blive" in str(
        refused.value.message
    )
    assert ambassador.state is source
    assert audit_count(db) == before


def test_the_full_pipeline_records_dates_and_assessor(db: Session, settings: Settings) -> None:
    admin = make_user(db, role=Role.ADMIN)
    user = make_user(db, role=Role.AMBASSADOR, is_active=False)
    ambassador = make_ambassador(
        db,
        user=user,
        state=S.APPLIED,
        child_certificate_assessed_at=None,
        training_booked_at=None,
        training_completed_at=None,
    )
    vetting.approve(db, actor=admin, ambassador=ambassador, settings=settings)
    assert user.is_active
    mail = db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == user.email)).one()
    assert "/invitation/" in mail.body_text
    requested = date.today() - timedelta(days=3)
    vetting.request_certificate(db, actor=admin, ambassador=ambassador, on=requested)
    assert ambassador.child_certificate_requested_at is not None
    assessed = date.today() - timedelta(days=2)
    vetting.clear_certificate(
        db, actor=admin, ambassador=ambassador, assessed_on=assessed, assessor=admin
    )
    assert ambassador.child_certificate_assessor_id == admin.id
    vetting.book_training(db, actor=admin, ambassador=ambassador, on=assessed)
    vetting.complete_training(db, actor=admin, ambassador=ambassador, on=date.today())
    vetting.activate(db, actor=admin, ambassador=ambassador)
    db.refresh(ambassador)
    assert ambassador.state is S.ACTIVE
    assert ambassador.child_certificate_assessed_at is not None
    assert ambassador.training_booked_at is not None
    assert ambassador.training_completed_at is not None


def test_dates_in_the_future_and_blank_reasons_are_refused(db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    requested = in_state(db, S.CERTIFICATE_REQUESTED)
    with pytest.raises(InvalidInput) as future:
        vetting.clear_certificate(
            db,
            actor=admin,
            ambassador=requested,
            assessed_on=date.today() + timedelta(days=3),
            assessor=admin,
        )
    assert "assessed_on" in future.value.field_errors
    assert requested.state is S.CERTIFICATE_REQUESTED
    with pytest.raises(InvalidInput):
        vetting.reject(db, actor=admin, ambassador=in_state(db, S.APPLIED), reason="  ")


@pytest.mark.parametrize("state", list(S))
def test_only_active_ambassadors_are_ever_proposable(db: Session, state: AmbassadorState) -> None:
    ambassador = in_state(db, state, capacity=2)
    found = db.scalars(proposable_ambassadors().where(Ambassador.id == ambassador.id)).all()
    assert (found == [ambassador]) is (state is S.ACTIVE)
    assert is_proposable(db, ambassador) is (state is S.ACTIVE)


def test_an_active_ambassador_with_no_capacity_is_not_proposable(db: Session) -> None:
    ambassador = in_state(db, S.ACTIVE, capacity=0)
    assert db.scalars(proposable_ambassadors().where(Ambassador.id == ambassador.id)).all() == []
    assert not is_proposable(db, ambassador)


def test_recheck_list_shows_overdue_and_soon_due_only(db: Session, settings: Settings) -> None:
    now = utcnow()
    days = settings.child_certificate_recheck_days
    overdue = in_state(db, S.ACTIVE, child_certificate_assessed_at=now - timedelta(days=days + 5))
    soon = in_state(db, S.PAUSED, child_certificate_assessed_at=now - timedelta(days=days - 10))
    fresh = in_state(db, S.ACTIVE, child_certificate_assessed_at=now - timedelta(days=100))
    gone = in_state(db, S.LEFT, child_certificate_assessed_at=now - timedelta(days=days + 5))
    due = vetting_lists.due_for_recheck(db, settings=settings)
    ids = {a.id for a in due}
    assert {overdue.id, soon.id} <= ids
    assert fresh.id not in ids
    assert gone.id not in ids

    admin = make_user(db, role=Role.ADMIN)
    vetting.recheck_certificate(
        db, actor=admin, ambassador=overdue, assessed_on=date.today(), assessor=admin
    )
    assert overdue.id not in {a.id for a in vetting_lists.due_for_recheck(db, settings=settings)}
    assert overdue.state is S.ACTIVE


def test_leaving_ends_open_proposals_and_matches_and_leaves_the_rest(db: Session) -> None:
    from mentor.models import CloseReason, MatchState
    from tests.factories import make_match

    admin = make_user(db, role=Role.ADMIN)
    ambassador = in_state(db, S.ACTIVE)
    proposed = make_match(db, ambassador=ambassador)
    accepted = make_match(db, ambassador=ambassador, state=MatchState.ACCEPTED)
    declined = make_match(db, ambassador=ambassador, state=MatchState.DECLINED)
    someone_elses = make_match(db)

    vetting.leave(db, actor=admin, ambassador=ambassador)

    assert ambassador.state is S.LEFT
    assert proposed.state is MatchState.WITHDRAWN
    assert accepted.state is MatchState.CLOSED
    assert proposed.close_reason is accepted.close_reason is CloseReason.AMBASSADOR_LEFT
    assert declined.state is MatchState.DECLINED
    assert someone_elses.state is MatchState.PROPOSED


def test_a_vetting_date_cannot_come_before_the_step_it_follows(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    requested_at = utcnow() - timedelta(days=5)
    waiting = make_ambassador(
        db,
        state=S.CERTIFICATE_REQUESTED,
        child_certificate_requested_at=requested_at,
        child_certificate_assessed_at=None,
        training_completed_at=None,
    )
    before_request = (date.today() - timedelta(days=8)).isoformat()

    clearing = post_form(
        client,
        f"/admin/ambassadors/{waiting.id}/clear-certificate",
        {"assessed_on": before_request},
    )

    assert clearing.status_code == 422
    assert "Børneattesten kan ikke være godkendt, før den blev bestilt" in main_text(clearing)
    assert 'id="assessed_on-error"' in clearing.text  # next to the field
    db.refresh(waiting)
    assert waiting.state is S.CERTIFICATE_REQUESTED
    # Training's dates (booked after clearing, completed after booking): test_training_booking.py


def test_a_recheck_cannot_be_dated_before_the_last_assessment(db: Session) -> None:
    admin = make_user(db, role=Role.ADMIN)
    ambassador = make_ambassador(db, child_certificate_assessed_at=utcnow() - timedelta(days=3))
    with pytest.raises(InvalidInput) as backwards:
        vetting.recheck_certificate(
            db,
            actor=admin,
            ambassador=ambassador,
            assessed_on=date.today() - timedelta(days=10),
            assessor=admin,
        )
    assert "assessed_on" in backwards.value.field_errors
