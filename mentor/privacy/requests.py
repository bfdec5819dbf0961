"""Registering and answering pupils' and ambassadors' requests for access (Art. 15) and
erasure (Art. 17).

A request is answered within one month of receipt (Art. 12(3)): the same day of the next month,
or that month's last day when it has no such day (31 January → 28 or 29 February).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Annotated

from pydantic import Field
from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.errors import Conflict, InvalidInput, NotFound
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    Ambassador,
    AuditAction,
    PrivacyRequest,
    PrivacyRequestKind,
    Pupil,
    User,
)
from mentor.models.privacy import PrivacySubject
from mentor.privacy.ambassador_erasure import ambassador_names, erase_ambassador
from mentor.privacy.erasure import ErasurePlan, erase_pupil
from mentor.web.forms import FormModel, LocalDate, text_problem
from mentor.web.ids import FormId

UNKNOWN_PUPIL = lazy_gettext("There is no pupil with this number.")
UNKNOWN_AMBASSADOR = lazy_gettext("There is no ambassador with this number.")
RECEIVED_IN_FUTURE = lazy_gettext("The request cannot have been received after today.")
NOT_CONFIRMED = lazy_gettext("Tick the box to confirm that the data is to be deleted for good.")
REASON_NAMES_PUPIL = lazy_gettext(
    "Leave the pupil's name out: the reason is kept in the audit log after the erasure."
)
REASON_NAMES_AMBASSADOR = lazy_gettext(
    "Leave the ambassador's name and e-mail address out: the reason is kept in the audit log "
    "after the erasure."
)
ALREADY_COMPLETED = lazy_gettext("The request is already completed.")
ALREADY_ERASED = lazy_gettext("The data is gone already.")
WRONG_KIND = lazy_gettext("This action does not fit the kind of request.")
REQUEST_OBJECT = "privacy_request"


class RequestForm(FormModel):
    kind: PrivacyRequestKind
    subject: PrivacySubject = PrivacySubject.PUPIL
    number: FormId
    requested_by: str = Field(max_length=200)
    received_on: LocalDate


class ErasureForm(FormModel):
    confirmed: bool = False
    reason: Annotated[str, Field(max_length=500)]


def due_date(received_on: date) -> date:
    """One month after ``received_on``: the same day next month, clamped to its last day."""
    year, month = (
        (received_on.year + 1, 1)
        if received_on.month == 12
        else (received_on.year, received_on.month + 1)
    )
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(received_on.day, last))


def subject_label(subject: PrivacySubject, number: int) -> str:
    return f"{subject.value} #{number}"


def register_request(
    db: Session, *, actor: User | None, form: RequestForm, now: datetime, ip: str | None = None
) -> PrivacyRequest:
    errors = {}
    is_pupil = form.subject is PrivacySubject.PUPIL
    if db.get(Pupil if is_pupil else Ambassador, form.number) is None:
        errors["number"] = UNKNOWN_PUPIL if is_pupil else UNKNOWN_AMBASSADOR
    if form.received_on > now.date():
        errors["received_on"] = RECEIVED_IN_FUTURE
    if errors:
        raise InvalidInput(dict(errors))
    request = PrivacyRequest(
        kind=form.kind,
        pupil_id=form.number if is_pupil else None,
        ambassador_id=None if is_pupil else form.number,
        subject_label=subject_label(form.subject, form.number),
        requested_by=form.requested_by,
        received_on=form.received_on,
        due_on=due_date(form.received_on),
        registered_by_id=None if actor is None else actor.id,
        registered_at=now,
    )
    db.add(request)
    db.flush()
    record(
        db,
        actor_id=None if actor is None else actor.id,
        action=AuditAction.CREATE,
        object_type=REQUEST_OBJECT,
        object_id=request.id,
        pupil_id=request.pupil_id,
        details={"kind": form.kind.value, "subject": request.subject_label},
        ip=ip,
    )
    return request


def list_requests(db: Session) -> list[PrivacyRequest]:
    """Open requests first, the most urgent on top; then the completed, the latest first."""
    is_open = case((PrivacyRequest.completed_at.is_(None), 0), else_=1)
    return list(
        db.scalars(
            select(PrivacyRequest)
            .options(joinedload(PrivacyRequest.registered_by))
            .order_by(
                is_open,
                PrivacyRequest.due_on,
                PrivacyRequest.completed_at.desc(),
                PrivacyRequest.id.desc(),
            )
        )
    )


def get_request(db: Session, request_id: int) -> PrivacyRequest:
    request = db.scalar(
        select(PrivacyRequest)
        .where(PrivacyRequest.id == request_id)
        .options(joinedload(PrivacyRequest.registered_by), joinedload(PrivacyRequest.completed_by))
    )
    if request is None:
        raise NotFound()
    return request


def subject(db: Session, request: PrivacyRequest) -> Pupil | None:
    """The pupil the request is about, while they exist, with their school."""
    if request.pupil_id is None:
        return None
    return db.scalar(
        select(Pupil).where(Pupil.id == request.pupil_id).options(joinedload(Pupil.school))
    )


def ambassador_subject(db: Session, request: PrivacyRequest) -> Ambassador | None:
    """The ambassador the request is about, while they exist, with their account."""
    if request.ambassador_id is None:
        return None
    return db.scalar(
        select(Ambassador)
        .where(Ambassador.id == request.ambassador_id)
        .options(joinedload(Ambassador.user))
    )


def _open(request: PrivacyRequest, kind: PrivacyRequestKind) -> None:
    if request.completed_at is not None:
        raise Conflict(ALREADY_COMPLETED)
    if request.kind is not kind:
        raise Conflict(WRONG_KIND)


def complete_request(
    db: Session, request: PrivacyRequest, *, actor: User, now: datetime, ip: str | None = None
) -> None:
    """The request is answered: the pupil has had their export; or, for an erasure, the pupil
    was gone already (the retention job came first)."""
    if request.kind is PrivacyRequestKind.ERASURE and (
        request.pupil_id is not None or request.ambassador_id is not None
    ):
        raise Conflict(WRONG_KIND)
    if request.completed_at is not None:
        raise Conflict(ALREADY_COMPLETED)
    request.completed_at = now
    request.completed_by_id = actor.id
    record(
        db,
        actor_id=actor.id,
        action=AuditAction.UPDATE,
        object_type=REQUEST_OBJECT,
        object_id=request.id,
        pupil_id=request.pupil_id,
        details={"completed": True},
        ip=ip,
    )
    db.flush()


def check_reason(db: Session, pupil_id: int, reason: str) -> None:
    """A reason stays in the audit log after the erasure: it may not name the pupil (or hold a
    CPR number or control characters)."""
    pupil = db.get(Pupil, pupil_id)
    names = [] if pupil is None else [pupil.first_name, pupil.last_name]
    _refuse(reason, names, REASON_NAMES_PUPIL)


def check_ambassador_reason(db: Session, ambassador_id: int, reason: str) -> None:
    """As ``check_reason``, for an ambassador: no word of their name, nor their address."""
    _refuse(reason, ambassador_names(db, ambassador_id), REASON_NAMES_AMBASSADOR)


def _refuse(reason: str, names: list[str], message: LazyText) -> None:
    if problem := text_problem(reason):
        raise InvalidInput({"reason": problem})
    folded = reason.casefold()
    if any(name.casefold() in folded for name in names if name):
        raise InvalidInput({"reason": message})


def erase_for_request(
    db: Session,
    request: PrivacyRequest,
    *,
    actor: User,
    form: ErasureForm,
    now: datetime,
    ip: str | None = None,
) -> ErasurePlan:
    """Erase the request's pupil or ambassador and mark the request completed. The caller
    commits, then calls ``mentor.db.forget_deleted``."""
    _open(request, PrivacyRequestKind.ERASURE)
    if request.pupil_id is None and request.ambassador_id is None:
        raise Conflict(ALREADY_ERASED)
    if not form.confirmed:
        raise InvalidInput({"confirmed": NOT_CONFIRMED})
    request_id = request.id
    details = {"request_id": request_id, "reason": form.reason}
    if request.ambassador_id is not None:
        check_ambassador_reason(db, request.ambassador_id, form.reason)
        plan = erase_ambassador(
            db, request.ambassador_id, actor_id=actor.id, details=details, ip=ip
        )
    else:
        assert request.pupil_id is not None
        check_reason(db, request.pupil_id, form.reason)
        plan = erase_pupil(db, request.pupil_id, actor_id=actor.id, details=details, ip=ip)
    # Forgetting expired the session: the request is read again, now without its pupil.
    erased = get_request(db, request_id)
    erased.completed_at = now
    erased.completed_by_id = actor.id
    db.flush()
    return plan
