"""Ways in: staff invite one student; a student applies on the public page.

The invitation page is for admins and counsellors (``protected``); the application page is public
(``public_router``), rate-limited per IP address in the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import select
from starlette.responses import Response

from mentor.ambassadors import joining
from mentor.errors import InvalidInput
from mentor.i18n import get_locale
from mentor.models import InstitutionProgramme, User
from mentor.policy import Permission, has_permission
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed, client_ip
from mentor.web.forms import Email, FormFields, FormModel, parse_form
from mentor.web.ids import FormId
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_invite = allowed(Permission.INVITE_AMBASSADORS)
Inviter = Annotated[User, Depends(_may_invite)]
router = APIRouter(prefix="/ambassadors", dependencies=[Depends(_may_invite)])
public_router = APIRouter(prefix="/apply")


class AmbassadorForm(FormModel):
    email: Email
    full_name: str = Field(max_length=200)
    # Chosen from lists; a larger number (a tampered form) is no id the database can look up.
    institution_id: FormId
    programme_id: FormId
    year_of_study: int = Field(default=1, ge=1, le=6)


class InviteForm(AmbassadorForm):
    locale: str = Field(default="da", pattern="^(da|en)$")


class ApplicationForm(AmbassadorForm):
    # Ticked to say the applicant has read what it takes (the børneattest above all).
    understood: bool
    # Checked by the service (a date, not in the future, aged 15 to 30): its messages say why.
    birth_date: str = Field(default="", max_length=20)


def _choices(db: SessionDep) -> dict[str, object]:
    locale = get_locale()
    return {
        "institution_options": [(str(o.id), o.name) for o in joining.institution_choices(db)],
        "programme_options": [
            (str(p.id), p.name_da if locale == "da" else p.name_en)
            for p in joining.programme_choices(db)
        ],
    }


def _apply_choices(db: SessionDep, *, institution_id: str = "") -> dict[str, object]:
    """The institutions, and per institution the programmes it offers today.

    The programme dropdown groups the programmes under each institution's name
    (``<optgroup>``), so that without JavaScript the applicant finds theirs under their
    institution. With ``institution_id`` one of the groups (htmx asks when the institution
    changes), only that group is offered. An institution with no programme on record has no
    group; the server check says why if it is chosen.
    """
    locale = get_locale()
    programmes = {
        p.id: (str(p.id), p.name_da if locale == "da" else p.name_en)
        for p in joining.programme_choices(db)
    }
    position = {programme_id: n for n, programme_id in enumerate(programmes)}
    offered: dict[int, list[int]] = {}
    for offering_id, programme_id in db.execute(
        select(InstitutionProgramme.institution_id, InstitutionProgramme.programme_id)
    ).tuples():
        if programme_id in programmes:
            offered.setdefault(offering_id, []).append(programme_id)
    institutions = joining.institution_choices(db)
    groups = [
        (
            str(institution.id),
            institution.name,
            [programmes[i] for i in sorted(offered[institution.id], key=position.__getitem__)],
        )
        for institution in institutions
        if institution.id in offered
    ]
    narrowed = [group for group in groups if group[0] == institution_id]
    return {
        "institution_options": [(str(o.id), o.name) for o in institutions],
        "programme_groups": narrowed or groups,
        "narrowed_to": narrowed[0][1] if narrowed else None,
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
    institution_id: str = "",
    block: str | None = None,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "form_error": form_error,
        **_apply_choices(db, institution_id=institution_id),
    }
    return render(request, "ambassadors/apply.html", context, status_code=status_code, block=block)


@public_router.get("")
def apply_page(request: Request, db: SessionDep) -> Response:
    """The page; with ``?institution_id=``, only that institution's programmes are offered.

    The institution dropdown asks for this through htmx when it changes, and gets back the
    programme field alone (the block ``programme_field``).
    """
    chosen = {
        name: request.query_params.get(name, "")[:20] for name in ("institution_id", "programme_id")
    }
    return _apply_page(
        request,
        db,
        values={"year_of_study": "1", **chosen},
        errors={},
        institution_id=chosen["institution_id"],
        block="programme_field",
    )


@public_router.post("")
def apply(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
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
            birth_date=form.birth_date,
            locale=get_locale(),
            ip=client_ip(request),
            settings=settings,
            clock=clock,
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
