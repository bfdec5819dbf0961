"""The admin's pages for pupils' and ambassadors' requests for access and erasure
(/admin/privacy)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.db import forget_deleted
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE, get_locale
from mentor.models import PrivacyRequest, PrivacyRequestKind, User
from mentor.models.privacy import PrivacySubject
from mentor.policy import Permission
from mentor.privacy import access, ambassador_access, requests
from mentor.privacy.ambassador_erasure import ambassador_erasure_plan
from mentor.privacy.erasure import ErasurePlan, erasure_plan
from mentor.privacy.labels import (
    AMBASSADOR_TABLE_REASONS,
    KEPT_UNLINKED,
    KIND_LABELS,
    SUBJECT_LABELS,
    TABLE_REASONS,
)
from mentor.web.deps import ClockDep, SessionDep, allowed, client_ip
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import finish, redirect
from mentor.web.templating import render
from mentor.web.views import commit_view

_may_handle = allowed(Permission.HANDLE_PRIVACY_REQUESTS)
Admin = Annotated[User, Depends(_may_handle)]
router = APIRouter(prefix="/admin/privacy", dependencies=[Depends(_may_handle)])

LIST_URL = "/admin/privacy"


def _handled(db: SessionDep, request_id: int, _admin: Admin) -> PrivacyRequest:
    return requests.get_request(db, request_id)


Handled = Annotated[PrivacyRequest, Depends(_handled)]


def _today(now: datetime) -> str:
    return now.astimezone(LOCAL_TIMEZONE).date().strftime("%d.%m.%Y")


def _list_page(
    request: Request,
    db: Session,
    now: datetime,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "requests": requests.list_requests(db),
        "today": now.astimezone(LOCAL_TIMEZONE).date(),
        "kind_labels": KIND_LABELS,
        "kind_options": [(kind.value, label) for kind, label in KIND_LABELS.items()],
        "subject_options": [(kind.value, label) for kind, label in SUBJECT_LABELS.items()],
        "values": values,
        "errors": errors,
    }
    return render(request, "admin/privacy/requests.html", context, status_code=status_code)


@router.get("")
def requests_page(request: Request, db: SessionDep, clock: ClockDep) -> Response:
    values = {
        "kind": PrivacyRequestKind.ACCESS.value,
        "subject": PrivacySubject.PUPIL.value,
        "received_on": _today(clock()),
    }
    return _list_page(request, db, clock(), values, {})


@router.post("")
def register(
    request: Request, db: SessionDep, admin: Admin, clock: ClockDep, fields: FormFields
) -> Response:
    try:
        form = parse_form(requests.RequestForm, fields)
        registered = requests.register_request(
            db, actor=admin, form=form, now=clock(), ip=client_ip(request)
        )
    except InvalidInput as error:
        db.rollback()
        return _list_page(request, db, clock(), fields, error.field_errors, 422)
    db.commit()
    return redirect(request, f"{LIST_URL}/{registered.id}")


def _detail_page(
    request: Request,
    db: Session,
    admin: User,
    handled: PrivacyRequest,
    now: datetime,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    pupil = requests.subject(db, handled)
    ambassador = requests.ambassador_subject(db, handled)
    erasing = handled.kind is PrivacyRequestKind.ERASURE and handled.is_open
    plan: ErasurePlan | None = None
    if pupil is not None and erasing:
        plan = erasure_plan(db, pupil.id)
    if ambassador is not None and erasing:
        plan = ambassador_erasure_plan(db, ambassador.id)
    # The page names the person, so that the admin answers the right one: a read.
    admin_id, ip = admin.id, client_ip(request)
    if pupil is not None:
        pupil_id = pupil.id
        commit_view(
            db,
            lambda: access.record_read(db, pupil_id=pupil_id, actor_id=admin_id, ip=ip),
        )
    if ambassador is not None:
        ambassador_id = ambassador.id
        commit_view(
            db,
            lambda: ambassador_access.record_ambassador_read(
                db, ambassador_id=ambassador_id, actor_id=admin_id, ip=ip
            ),
        )
    context = {
        "handled": handled,
        "pupil": pupil,
        "ambassador": ambassador,
        "plan": plan,
        "kind_labels": KIND_LABELS,
        "subject_labels": SUBJECT_LABELS,
        "table_reasons": AMBASSADOR_TABLE_REASONS if ambassador is not None else TABLE_REASONS,
        "kept_unlinked": KEPT_UNLINKED,
        "overdue": handled.is_open and handled.due_on < now.astimezone(LOCAL_TIMEZONE).date(),
        "values": values or {},
        "errors": errors or {},
    }
    return render(request, "admin/privacy/request.html", context, status_code=status_code)


@router.get("/{request_id:int}")
def request_page(
    request: Request, db: SessionDep, admin: Admin, handled: Handled, clock: ClockDep
) -> Response:
    return _detail_page(request, db, admin, handled, clock())


@router.post("/{request_id:int}/complete")
def complete(
    request: Request, db: SessionDep, admin: Admin, handled: Handled, clock: ClockDep
) -> Response:
    requests.complete_request(db, handled, actor=admin, now=clock(), ip=client_ip(request))
    db.commit()
    return redirect(request, f"{LIST_URL}/{handled.id}")


def _export(
    request: Request, db: Session, admin: User, handled: PrivacyRequest, now: datetime, form: str
) -> dict[str, object]:
    if handled.kind is not PrivacyRequestKind.ACCESS:
        raise NotFound()
    if handled.ambassador_id is not None:
        object_type, subject_id, pupil_id = "ambassador", handled.ambassador_id, None
        export = ambassador_access.ambassador_export(db, subject_id, now=now)
    elif handled.pupil_id is not None:
        object_type, subject_id, pupil_id = "pupil", handled.pupil_id, handled.pupil_id
        export = access.pupil_export(db, subject_id, now=now)
    else:
        raise NotFound()
    request_id, ip = handled.id, client_ip(request)
    # The export is a read of everything about the person: on the log before it is sent.
    commit_view(
        db,
        lambda: access.record_subject_export(
            db,
            object_type=object_type,
            object_id=subject_id,
            pupil_id=pupil_id,
            actor_id=admin.id,
            file_format=form,
            request_id=request_id,
            ip=ip,
        ),
    )
    return export


@router.get("/{request_id:int}/export.json")
def export_json(
    request: Request, db: SessionDep, admin: Admin, handled: Handled, clock: ClockDep
) -> Response:
    export = _export(request, db, admin, handled, clock(), "json")
    body = json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True)
    name = handled.subject_label.replace(" #", "-")
    response = Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )
    return finish(request, response)


@router.get("/{request_id:int}/export.html")
def export_html(
    request: Request, db: SessionDep, admin: Admin, handled: Handled, clock: ClockDep
) -> Response:
    export = _export(request, db, admin, handled, clock(), "html")
    html = access.export_html(export, locale=get_locale(), stylesheet=True)
    return finish(request, Response(html, media_type="text/html; charset=utf-8"))


def _engine(db: Session) -> Engine | None:
    """The engine behind the session, or None for a session joined into a connection's own
    transaction (the tests'): its log cannot be emptied before that transaction ends."""
    bind = db.get_bind()
    return bind if isinstance(bind, Engine) else None


@router.post("/{request_id:int}/erase")
def erase(
    request: Request,
    db: SessionDep,
    admin: Admin,
    handled: Handled,
    request_id: int,
    clock: ClockDep,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(requests.ErasureForm, fields)
        requests.erase_for_request(
            db, handled, actor=admin, form=form, now=clock(), ip=client_ip(request)
        )
    except InvalidInput as error:
        db.rollback()  # nothing is deleted
        again = requests.get_request(db, request_id)
        return _detail_page(
            request,
            db,
            admin,
            again,
            clock(),
            values=fields,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    if (engine := _engine(db)) is not None:
        # On SQLite the deleted rows are still in the write-ahead log until it is emptied.
        forget_deleted(engine)
    return redirect(request, f"{LIST_URL}/{request_id}")
