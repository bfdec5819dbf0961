"""Admin pages for organisations: the list, create and edit, deactivate and activate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.catalogue.service import list_programmes
from mentor.errors import InvalidInput
from mentor.models import Organisation, User
from mentor.organisations import service
from mentor.organisations.forms import KIND_LABELS, checked_ids, parse_organisation_form
from mentor.organisations.school_hours import (
    DEFAULT_SCHOOL_HOURS,
    WEEKDAYS,
    hours_field_values,
    school_hours_of,
    weekday_name,
)
from mentor.paging import page_links, page_number, search_text
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import SessionDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_manage = allowed(Permission.MANAGE_ORGANISATIONS)
Admin = Annotated[User, Depends(_may_manage)]
router = APIRouter(prefix="/admin/organisations", dependencies=[Depends(_may_manage)])

LIST_URL = "/admin/organisations"
PROGRAMMES = "programmes"  # the checkboxes are named programmes_<id>


def _organisation(db: SessionDep, organisation_id: int, _admin: Admin) -> Organisation:
    return service.get_organisation(db, organisation_id)


EditedOrganisation = Annotated[Organisation, Depends(_organisation)]


def _values(organisation: Organisation) -> dict[str, str]:
    return {
        "kind": organisation.kind.value,
        "name": organisation.name,
        "code": organisation.code,
        "institution_number": organisation.institution_number or "",
        "municipality_name": organisation.municipality_name or "",
        "municipality_code": organisation.municipality_code or "",
        "address": organisation.address or "",
        "meeting_confirmation_required": "1" if organisation.meeting_confirmation_required else "",
        **hours_field_values(school_hours_of(organisation)),
    }


# A new organisation's form: the usual school hours, and meetings confirmed by the school.
NEW_VALUES = {"meeting_confirmation_required": "1", **hours_field_values(DEFAULT_SCHOOL_HOURS)}


def _form_page(
    request: Request,
    db: SessionDep,
    *,
    organisation: Organisation | None,
    values: Mapping[str, str],
    checked: set[int],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "organisation": organisation,
        "values": values,
        "errors": errors,
        "checked": checked,
        "programmes": list_programmes(db),
        "kind_options": [(kind.value, label) for kind, label in KIND_LABELS.items()],
        "weekdays": [(weekday, weekday_name(weekday)) for weekday in WEEKDAYS],
    }
    return render(request, "admin/organisation_form.html", context, status_code=status_code)


@router.get("")
def organisations_page(request: Request, db: SessionDep) -> Response:
    q = search_text(request.query_params)
    organisations = service.list_organisations(db, q=q, page=page_number(request.query_params))
    context = {
        "organisations": organisations,
        "page_links": page_links("/admin/organisations", {"q": q}, organisations),
        "q": q,
        "kind_labels": KIND_LABELS,
    }
    return render(request, "admin/organisations.html", context)


@router.get("/new")
def new_organisation_page(request: Request, db: SessionDep) -> Response:
    return _form_page(request, db, organisation=None, values=NEW_VALUES, checked=set(), errors={})


@router.post("/new")
def create_organisation(
    request: Request, db: SessionDep, admin: Admin, fields: FormFields
) -> Response:
    programme_ids = checked_ids(fields, f"{PROGRAMMES}_")
    try:
        form = parse_organisation_form(fields)
        organisation = service.create_organisation(
            db, actor=admin, fields=form, programme_ids=programme_ids
        )
    except InvalidInput as error:
        db.rollback()  # whatever the service had begun is undone: nothing is written
        return _form_page(
            request,
            db,
            organisation=None,
            values=fields,
            checked=programme_ids,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "created_named", name=organisation.name)
    return redirect(request, LIST_URL)


@router.get("/{organisation_id:int}")
def edit_organisation_page(
    request: Request, db: SessionDep, organisation: EditedOrganisation
) -> Response:
    checked = {programme.id for programme in organisation.programmes}
    return _form_page(
        request,
        db,
        organisation=organisation,
        values=_values(organisation),
        checked=checked,
        errors={},
    )


@router.post("/{organisation_id:int}")
def update_organisation(
    request: Request,
    db: SessionDep,
    admin: Admin,
    organisation: EditedOrganisation,
    fields: FormFields,
) -> Response:
    programme_ids = checked_ids(fields, f"{PROGRAMMES}_")
    try:
        form = parse_organisation_form(fields)
        service.update_organisation(
            db, actor=admin, organisation=organisation, fields=form, programme_ids=programme_ids
        )
    except InvalidInput as error:
        db.rollback()  # whatever the service had begun is undone: nothing is written
        return _form_page(
            request,
            db,
            organisation=organisation,
            values=fields,
            checked=programme_ids,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "saved_named", name=organisation.name)
    return redirect(request, LIST_URL)


@router.post("/{organisation_id:int}/deactivate")
def deactivate_organisation(
    request: Request, db: SessionDep, admin: Admin, organisation: EditedOrganisation
) -> Response:
    service.set_organisation_active(db, actor=admin, organisation=organisation, active=False)
    db.commit()
    flash.add(request, "organisation_deactivated", name=organisation.name)
    return redirect(request, LIST_URL)


@router.post("/{organisation_id:int}/activate")
def activate_organisation(
    request: Request, db: SessionDep, admin: Admin, organisation: EditedOrganisation
) -> Response:
    service.set_organisation_active(db, actor=admin, organisation=organisation, active=True)
    db.commit()
    flash.add(request, "organisation_activated", name=organisation.name)
    return redirect(request, LIST_URL)
