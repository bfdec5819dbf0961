"""Certificates of contribution: the ambassador's own, the school's hand-over, the public check.

An ambassador issues and prints their own at /ambassador/certificate. A school's coordinator (and
a counsellor, for the caseload's schools) hands one over to an ambassador who held a meeting at
the school with a pupil present (``certificates.may_hand_over``). Anyone may confirm a code at
/certificate/verify: that page shows the name, the period and the figures as issued.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import Response

from mentor.ambassadors import certificates
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LOCALES, get_locale, using_locale
from mentor.models import Ambassador, User
from mentor.policy import Permission
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_mentor = allowed(Permission.MENTOR)
Mentor = Annotated[User, Depends(_may_mentor)]
router = APIRouter(prefix="/ambassador/certificate", dependencies=[Depends(_may_mentor)])

_may_enrol = allowed(Permission.ENROL_PUPILS)
Staff = Annotated[User, Depends(_may_enrol)]
school_router = APIRouter(prefix="/school/certificates", dependencies=[Depends(_may_enrol)])

public_router = APIRouter()

_DATE_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_day(raw: str | None) -> date | None:
    """A day as a date field sends it (2026-11-28) or as Danes write it (28.11.2026)."""
    text = (raw or "").strip()
    if not text or len(text) > 10:
        return None
    try:
        found = _DATE_DMY.fullmatch(text)
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(text)
    except ValueError:
        return None


def _own_ambassador(db: SessionDep, user: Mentor) -> Ambassador:
    ambassador = db.scalar(select(Ambassador).where(Ambassador.user_id == user.id))
    if ambassador is None:
        raise NotFound()
    return ambassador


OwnAmbassador = Annotated[Ambassador, Depends(_own_ambassador)]


def _period(
    values: dict[str, str], now: Any
) -> tuple[dict[str, str], date | None, date | None, bool]:
    """The period asked for (the school year so far when nothing is given)."""
    default_from, default_to = certificates.default_period(now)
    raw_from = (values.get("period_from") or "")[:40]
    raw_to = (values.get("period_to") or "")[:40]
    if not raw_from.strip() and not raw_to.strip():
        kept = {"period_from": default_from.isoformat(), "period_to": default_to.isoformat()}
        return kept, default_from, default_to, True
    kept = {"period_from": raw_from.replace("\x00", ""), "period_to": raw_to.replace("\x00", "")}
    return kept, parse_day(raw_from), parse_day(raw_to), False


def _contribution_page(
    request: Request,
    db: SessionDep,
    *,
    ambassador_id: int,
    values: dict[str, str],
    now: Any,
    action: str,
    back: str | None,
    errors: dict[str, Any] | None = None,
    issued: list[certificates.Certificate] | None = None,
    print_base: str,
) -> Response:
    kept, period_from, period_to, _default = _period(values, now)
    figures = None
    status = 200
    try:
        certificates.check_period(period_from, period_to, now=now)
    except InvalidInput as error:
        errors = {**error.field_errors, **(errors or {})}
        status = 422
    if errors:
        status = 422
    elif period_from is not None and period_to is not None:
        figures = certificates.contribution(
            db, ambassador_id=ambassador_id, period_from=period_from, period_to=period_to
        )
    context = {
        "holder": certificates.holder(db, ambassador_id),
        "figures": figures,
        "values": kept,
        "errors": errors or {},
        "action": action,
        "back": back,
        "issued": issued or [],
        "print_base": print_base,
        "locale": get_locale(),
    }
    return render(request, "certificates/contribution.html", context, status_code=status)


def _print_page(
    request: Request,
    db: SessionDep,
    certificate: certificates.Certificate,
    *,
    lang: str | None,
    print_base: str,
    back: str,
) -> Response:
    cert_locale = lang if lang in LOCALES else get_locale()
    with using_locale(cert_locale):
        context = {
            "certificate": certificate,
            "holder": certificates.holder(db, certificate.ambassador_id),
            "municipality": certificates.municipality_name(db),
            "cert_locale": cert_locale,
            "print_base": print_base,
            "back": back,
            "verify_url": f"{request.app.state.settings.base_url}/certificate/verify",
        }
        return render(request, "certificates/certificate.html", context)


# The ambassador's own


@router.get("")
def my_contribution(
    request: Request, db: SessionDep, clock: ClockDep, ambassador: OwnAmbassador
) -> Response:
    values = {key: request.query_params.get(key, "") for key in ("period_from", "period_to")}
    return _contribution_page(
        request,
        db,
        ambassador_id=ambassador.id,
        values=values,
        now=clock(),
        action="/ambassador/certificate",
        back=None,
        issued=certificates.issued_for(db, ambassador_id=ambassador.id),
        print_base="/ambassador/certificate",
    )


@router.post("")
def issue_mine(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    user: Mentor,
    ambassador: OwnAmbassador,
    fields: FormFields,
) -> Response:
    now = clock()
    _kept, period_from, period_to, _default = _period(fields, now)
    try:
        certificate = certificates.issue(
            db,
            actor=user,
            ambassador_id=ambassador.id,
            period_from=period_from,
            period_to=period_to,
            now=now,
        )
    except InvalidInput as error:
        db.rollback()
        return _contribution_page(
            request,
            db,
            ambassador_id=ambassador.id,
            values=fields,
            now=now,
            action="/ambassador/certificate",
            back=None,
            errors=error.field_errors,
            issued=certificates.issued_for(db, ambassador_id=ambassador.id),
            print_base="/ambassador/certificate",
        )
    db.commit()
    return redirect(request, f"/ambassador/certificate/{certificate.code}")


@router.get("/{certificate_code}")
def print_mine(
    request: Request,
    db: SessionDep,
    ambassador: OwnAmbassador,
    certificate_code: str,
    lang: str | None = None,
) -> Response:
    certificate = certificates.own_certificate(
        db, ambassador_id=ambassador.id, code=certificate_code
    )
    return _print_page(
        request,
        db,
        certificate,
        lang=lang,
        print_base="/ambassador/certificate",
        back="/ambassador/certificate",
    )


# The school hands certificates over


def _school_ambassador(ambassador_id: int, db: SessionDep, user: Staff) -> int:
    if ambassador_id > 2**31 - 1 or not certificates.may_hand_over(db, user, ambassador_id):
        raise NotFound()
    return ambassador_id


SchoolAmbassadorId = Annotated[int, Depends(_school_ambassador)]


@school_router.get("")
def school_list(request: Request, db: SessionDep, user: Staff) -> Response:
    context = {"ambassadors": certificates.school_ambassadors(db, user)}
    return render(request, "certificates/school.html", context)


@school_router.get("/ambassadors/{ambassador_id:int}")
def school_contribution(
    request: Request, db: SessionDep, clock: ClockDep, ambassador_id: SchoolAmbassadorId
) -> Response:
    values = {key: request.query_params.get(key, "") for key in ("period_from", "period_to")}
    path = f"/school/certificates/ambassadors/{ambassador_id}"
    return _contribution_page(
        request,
        db,
        ambassador_id=ambassador_id,
        values=values,
        now=clock(),
        action=path,
        back="/school/certificates",
        issued=certificates.issued_for(db, ambassador_id=ambassador_id),
        print_base="/school/certificates",
    )


@school_router.post("/ambassadors/{ambassador_id:int}")
def school_issue(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    user: Staff,
    ambassador_id: SchoolAmbassadorId,
    fields: FormFields,
) -> Response:
    now = clock()
    _kept, period_from, period_to, _default = _period(fields, now)
    path = f"/school/certificates/ambassadors/{ambassador_id}"
    try:
        certificate = certificates.issue(
            db,
            actor=user,
            ambassador_id=ambassador_id,
            period_from=period_from,
            period_to=period_to,
            now=now,
        )
    except InvalidInput as error:
        db.rollback()
        return _contribution_page(
            request,
            db,
            ambassador_id=ambassador_id,
            values=fields,
            now=now,
            action=path,
            back="/school/certificates",
            errors=error.field_errors,
            issued=certificates.issued_for(db, ambassador_id=ambassador_id),
            print_base="/school/certificates",
        )
    db.commit()
    return redirect(request, f"/school/certificates/{certificate.code}")


@school_router.get("/{certificate_code}")
def school_print(
    request: Request,
    db: SessionDep,
    user: Staff,
    certificate_code: str,
    lang: str | None = None,
) -> Response:
    certificate = certificates.school_certificate(db, user, certificate_code)
    return _print_page(
        request,
        db,
        certificate,
        lang=lang,
        print_base="/school/certificates",
        back=f"/school/certificates/ambassadors/{certificate.ambassador_id}",
    )


# The municipality's public confirmation


@public_router.get("/certificate/verify")
def verify(request: Request, db: SessionDep, code: str | None = None) -> Response:
    asked = code is not None and code.strip() != ""
    found = certificates.find(db, code) if asked else None
    context = {
        "asked": asked,
        "certificate": found,
        "code": (code or "").replace("\x00", "")[:40],
        "municipality": certificates.municipality_name(db),
    }
    return render(request, "certificates/verify.html", context)
