"""Accounts past their period: an ambassador who left (or was turned down) and a closed staff
account go 12 months later with what is theirs; an ambassador whose matches are still kept for
the pupils is anonymised instead, and deleted by a later run once those are gone. Accounts in
use, or closed more recently, are untouched. Both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import (
    Ambassador,
    AmbassadorCertificate,
    AmbassadorCheckIn,
    AmbassadorInterest,
    AmbassadorState,
    AuditEvent,
    LoginSession,
    Match,
    MatchState,
    Note,
    OutboxEmail,
    Role,
    User,
)
from mentor.privacy.forget_accounts import ANONYMOUS_DOMAIN
from mentor.privacy.retention import run_retention
from tests.factories import (
    make_ambassador,
    make_ambassador_certificate,
    make_ambassador_check_in,
    make_audit_event,
    make_login_session,
    make_match,
    make_note,
    make_outbox_email,
    make_pupil,
    make_user,
)

TODAY = date(2029, 3, 1)
THIRTEEN_MONTHS_AGO = datetime(2028, 2, 1, tzinfo=UTC)
ELEVEN_MONTHS_AGO = datetime(2028, 4, 1, tzinfo=UTC)


def _left(db: Session, at: datetime, state: AmbassadorState = AmbassadorState.LEFT) -> Ambassador:
    ambassador = make_ambassador(
        db,
        state=state,
        about="Jeg går på HTX og spiller fodbold.",
        phone="+45 20 30 40 50",
        rejection_reason="Ikke egnet." if state is AmbassadorState.REJECTED else None,
    )
    make_ambassador_check_in(db, ambassador=ambassador)
    make_ambassador_certificate(db, ambassador=ambassador)
    make_login_session(db, user_id=ambassador.user_id)
    _touched(db, ambassador, at)
    return ambassador


def _touched(db: Session, ambassador: Ambassador, at: datetime) -> None:
    db.execute(update(Ambassador).where(Ambassador.id == ambassador.id).values(updated_at=at))
    db.execute(update(User).where(User.id == ambassador.user_id).values(updated_at=at))


def _count(db: Session, model: type, **where: int) -> int:
    column, value = next(iter(where.items()))
    return int(
        db.scalar(select(func.count()).select_from(model).where(getattr(model, column) == value))
        or 0
    )


def test_an_ambassador_who_left_goes_12_months_later_with_what_is_theirs(
    db: Session, settings: Settings
) -> None:
    gone = _left(db, THIRTEEN_MONTHS_AGO)
    rejected = _left(db, THIRTEEN_MONTHS_AGO, AmbassadorState.REJECTED)
    recent = _left(db, ELEVEN_MONTHS_AGO)
    active = make_ambassador(db)
    _touched(db, active, THIRTEEN_MONTHS_AGO)
    logged = make_audit_event(db, actor_id=gone.user_id).id
    ids = {a.id: a.user_id for a in (gone, rejected, recent, active)}

    outcomes = {o.label: o.rows for o in run_retention(db, today=TODAY, settings=settings)}

    db.expire_all()
    for ambassador_id in list(ids)[:2]:
        assert db.get(Ambassador, ambassador_id) is None
        assert db.get(User, ids[ambassador_id]) is None
        for model in (AmbassadorInterest, AmbassadorCheckIn, AmbassadorCertificate):
            assert _count(db, model, ambassador_id=ambassador_id) == 0
        assert _count(db, LoginSession, user_id=ids[ambassador_id]) == 0
    for ambassador_id in list(ids)[2:]:
        assert db.get(Ambassador, ambassador_id) is not None
        assert _count(db, AmbassadorInterest, ambassador_id=ambassador_id) >= 1
    event = db.get(AuditEvent, logged)
    assert event is not None
    assert event.actor_id is None  # the event stays; who it was does not
    assert outcomes["ambassador"] == 2
    assert outcomes["user_account"] == 2
    assert outcomes["ambassador_certificate"] == 2
    assert outcomes["ambassador (anonymised)"] == 0
    again = run_retention(db, today=TODAY, settings=settings)
    assert {o.label: o.rows for o in again if o.rows} == {}


def test_one_whose_matches_are_kept_for_the_pupils_is_anonymised_then_deleted(
    db: Session, settings: Settings
) -> None:
    ambassador = make_ambassador(db, state=AmbassadorState.LEFT, about="Om mig", phone="12345678")
    # A 7th-grader's match, kept until 12 months after their last school year (2030).
    pupil = make_pupil(db, grade=7)
    match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.CLOSED)
    _touched(db, ambassador, THIRTEEN_MONTHS_AGO)
    ambassador_id, user_id, match_id = ambassador.id, ambassador.user_id, match.id

    first = {o.label: o.rows for o in run_retention(db, today=TODAY, settings=settings)}

    db.expire_all()
    kept = db.get(Ambassador, ambassador_id)
    user = db.get(User, user_id)
    assert kept is not None
    assert user is not None
    assert first["ambassador (anonymised)"] == 1
    assert db.get(Match, match_id) is not None
    assert user.email == f"user-{user_id}@{ANONYMOUS_DOMAIN}"
    assert user.full_name == f"#{user_id}"
    assert (user.password_hash, user.is_active, user.last_login_at) == (None, False, None)
    assert (kept.about, kept.phone, kept.birth_year, kept.languages) == (None, None, None, [])
    assert _count(db, AmbassadorInterest, ambassador_id=ambassador_id) == 0
    assert _count(db, LoginSession, user_id=user_id) == 0
    # Anonymised once: the next run leaves it.
    again = {o.label: o.rows for o in run_retention(db, today=TODAY, settings=settings)}
    assert again["ambassador (anonymised)"] == 0

    # In August 2031 the pupil (last school year 2029/30) is gone, and so is the ambassador.
    later = {o.label: o.rows for o in run_retention(db, today=date(2031, 8, 1), settings=settings)}
    db.expire_all()
    assert later["pupil"] == 1
    assert later["ambassador"] == 1
    assert db.get(Ambassador, ambassador_id) is None
    assert db.get(User, user_id) is None


def _event_about(db: Session, object_type: str, object_id: int) -> int:
    details = {"changed": ["phone"], "phone": "+45 20 30 40 50"}
    return make_audit_event(
        db, object_type=object_type, object_id=str(object_id), details=details
    ).id


@pytest.mark.parametrize("kept_for_a_pupil", [False, True], ids=["deleted", "anonymised"])
def test_the_audit_keeps_its_events_about_a_forgotten_account_without_details_and_mail_goes(
    db: Session, settings: Settings, kept_for_a_pupil: bool
) -> None:
    ambassador = _left(db, THIRTEEN_MONTHS_AGO)
    if kept_for_a_pupil:
        make_match(db, pupil=make_pupil(db, grade=7), ambassador=ambassador)
    closed = make_user(db, role=Role.COORDINATOR, is_active=False)
    db.execute(update(User).where(User.id == closed.id).values(updated_at=THIRTEEN_MONTHS_AGO))
    working = make_ambassador(db)
    about = [
        _event_about(db, "ambassador", ambassador.id),
        _event_about(db, "user", ambassador.user_id),
        _event_about(db, "user", closed.id),
    ]
    untouched = _event_about(db, "ambassador", working.id)
    addresses = [db.get_one(User, ambassador.user_id).email, closed.email]
    to_them = [make_outbox_email(db, to_address=address.upper()).id for address in addresses]
    to_another = make_outbox_email(db, to_address=db.get_one(User, working.user_id).email).id

    outcomes = {o.label: o.rows for o in run_retention(db, today=TODAY, settings=settings)}

    db.expire_all()
    for event_id in about:
        event = db.get(AuditEvent, event_id)
        assert event is not None  # that it happened stays
        assert event.details == {}
    kept = db.get(AuditEvent, untouched)
    assert kept is not None
    assert kept.details["phone"] == "+45 20 30 40 50"
    assert [db.get(OutboxEmail, mail_id) for mail_id in to_them] == [None, None]
    assert db.get(OutboxEmail, to_another) is not None
    assert outcomes["outbox_email"] == 2
    assert outcomes["ambassador (anonymised)" if kept_for_a_pupil else "ambassador"] == 1


def test_a_closed_staff_account_goes_12_months_later_and_its_notes_stay(
    db: Session, settings: Settings
) -> None:
    closed = make_user(db, role=Role.COUNSELLOR, is_active=False)
    recently = make_user(db, role=Role.COORDINATOR, is_active=False)
    working = make_user(db, role=Role.COUNSELLOR)
    note = make_note(db, author=closed, pupil=make_pupil(db, grade=7)).id
    for user, at in ((closed, THIRTEEN_MONTHS_AGO), (recently, ELEVEN_MONTHS_AGO)):
        db.execute(update(User).where(User.id == user.id).values(updated_at=at))
    db.execute(update(User).where(User.id == working.id).values(updated_at=THIRTEEN_MONTHS_AGO))
    ids = (closed.id, recently.id, working.id)

    run_retention(db, today=TODAY, settings=settings)

    db.expire_all()
    assert db.get(User, ids[0]) is None
    assert db.get(User, ids[1]) is not None
    assert db.get(User, ids[2]) is not None
    kept_note = db.get(Note, note)
    assert kept_note is not None
    assert kept_note.author_id is None
