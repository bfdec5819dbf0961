"""Ways in: staff invite one student; a student applies on the public page.

The invitation page is for admins and counsellors (``protected``); the application page is public
(``public_router``), rate-limited per IP address in the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from mentor.ambassadors import joining
from mentor.errors import InvalidInput
from mentor.i18n import get_locale
from mentor.models import User
from mentor.policy import Permission, has_permission
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed, client_ip
from mentor.web.forms import Email, FormFields, FormModel, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_invite = allowed(Permission.INVITE_AMBASSADORS)
Inviter = Annotated[User, Depends(_may_invite)]
router = APIRouter(prefix="/ambassadors", dependencies=[Depends(_may_invite)])
public_router = APIRouter(prefix="/apply")


class AmbassadorForm(FormModel):
    email: Email
    full_name: str = Field(max_length=200)
    institution_id: int
    programme_id: int
    year_of_study: int = Field(default=1, ge=1, le=6)


class InviteForm(AmbassadorForm):
    locale: str = Field(default="da", pattern="^(da|en)$")


class ApplicationForm(AmbassadorForm):
    # Ticked to say the applicant has read what it takes (the børneattest above all).
    understood: bool


def _choices(db: SessionDep) -> dict[str, object]:
    locale = get_locale()
    return {
        "institution_options": [(str(o.id), o.name) for o in joining.institution_choices(db)],
        "programme_options": [
            (str(p.id), p.name_da if locale == "da" else p.name_en)
            for p in joining.programme_choices(db)
        ],
    }


def _invite_page(
    request: Request,
    db: SessionDep,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {"values": values, "errors": errors, **_choices(db)}
    return render(request, "ambassadors/invite.html", context, status_code=status_code)


@router.get("/invite")
def invite_page(request: Request, db: SessionDep) -> Response:
    return _invite_page(request, db, values={"locale": "da", "year_of_study": "1"}, errors={})


@router.post("/invite")
def invite(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    inviter: Inviter,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(InviteForm, fields)
        ambassador = joining.invite_ambassador(
            db,
            actor=inviter,
            email=form.email,
            full_name=form.full_name,
            institution_id=form.institution_id,
            programme_id=form.programme_id,
            year_of_study=form.year_of_study,
            locale=form.locale,
            settings=settings,
        )
    except InvalidInput as error:
        db.rollback()  # no user, no ambassador, no mail in the outbox
        return _invite_page(request, db, values=fields, errors=error.field_errors, status_code=422)
    db.commit()
    flash.add(request, "invitation_sent", email=form.email)
    if has_permission(inviter, Permission.VET_AMBASSADORS):
        return redirect(request, f"/admin/ambassadors/{ambassador.id}")
    return redirect(request, "/ambassadors/invite")


def _apply_page(
    request: Request,
    db: SessionDep,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    form_error: object = None,
    status_code: int = 200,
) -> Response:
    context = {"values": values, "errors": errors, "form_error": form_error, **_choices(db)}
    return render(request, "ambassadors/apply.html", context, status_code=status_code)


@public_router.get("")
def apply_page(request: Request, db: SessionDep) -> Response:
    return _apply_page(request, db, values={"year_of_study": "1"}, errors={})


@public_router.post("")
def apply(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(ApplicationForm, fields)
        joining.apply(
            db,
            email=form.email,
            full_name=form.full_name,
            institution_id=form.institution_id,
            programme_id=form.programme_id,
            year_of_study=form.year_of_study,
            locale=get_locale(),
            ip=client_ip(request),
            settings=settings,
        )
    except InvalidInput as error:
        db.rollback()
        return _apply_page(request, db, values=fields, errors=error.field_errors, status_code=422)
    except joining.TooManyApplications as error:
        db.rollback()
        return _apply_page(
            request, db, values=fields, errors={}, form_error=error.message, status_code=429
        )
    # New or known address: the same answer (the service told us which; we do not tell).
    db.commit()
    return redirect(request, "/apply/thanks")


@public_router.get("/thanks")
def thanks_page(request: Request) -> Response:
    return render(request, "ambassadors/apply_thanks.html")
