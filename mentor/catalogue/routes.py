"""Admin pages for the catalogues: programmes, interests and interest groups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.catalogue import service
from mentor.catalogue.forms import (
    FAMILY_LABELS,
    MAIN_AREA_LABELS,
    InterestForm,
    InterestGroupForm,
    ProgrammeForm,
    format_form_date,
)
from mentor.errors import InvalidInput
from mentor.i18n import get_locale
from mentor.models import Interest, Programme, User
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import SessionDep, allowed
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_manage = allowed(Permission.MANAGE_CATALOGUE)
Admin = Annotated[User, Depends(_may_manage)]
router = APIRouter(prefix="/admin", dependencies=[Depends(_may_manage)])


def _programme(db: SessionDep, programme_id: int, _admin: Admin) -> Programme:
    return service.get_programme(db, programme_id)


def _interest(db: SessionDep, interest_id: int, _admin: Admin) -> Interest:
    return service.get_interest(db, interest_id)


EditedProgramme = Annotated[Programme, Depends(_programme)]
EditedInterest = Annotated[Interest, Depends(_interest)]


# Programmes


def _programme_page(
    request: Request,
    programme: Programme | None,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "programme": programme,
        "values": values,
        "errors": errors,
        "family_options": [(family.value, label) for family, label in FAMILY_LABELS.items()],
        "main_area_options": [(area.value, label) for area, label in MAIN_AREA_LABELS.items()],
    }
    return render(request, "admin/programme_form.html", context, status_code=status_code)


@router.get("/programmes")
def programmes_page(request: Request, db: SessionDep) -> Response:
    context = {
        "programmes": service.list_programmes(db),
        "family_labels": FAMILY_LABELS,
        "main_area_labels": MAIN_AREA_LABELS,
    }
    return render(request, "admin/programmes.html", context)


@router.get("/programmes/new")
def new_programme_page(request: Request) -> Response:
    return _programme_page(request, None, {}, {})


@router.post("/programmes/new")
def create_programme(
    request: Request, db: SessionDep, admin: Admin, fields: FormFields
) -> Response:
    try:
        form = parse_form(ProgrammeForm, fields)
        programme = service.create_programme(db, actor=admin, fields=form)
    except InvalidInput as error:
        db.rollback()  # nothing is written
        return _programme_page(request, None, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "created_named", name=programme.code)
    return redirect(request, "/admin/programmes")


@router.get("/programmes/{programme_id:int}")
def edit_programme_page(request: Request, programme: EditedProgramme) -> Response:
    values = {
        "code": programme.code,
        "name_da": programme.name_da,
        "name_en": programme.name_en,
        "family": programme.family.value,
        "eud_main_area": programme.eud_main_area.value if programme.eud_main_area else "",
        "valid_from": format_form_date(programme.valid_from),
        "valid_to": format_form_date(programme.valid_to),
        "sort_order": str(programme.sort_order),
    }
    return _programme_page(request, programme, values, {})


@router.post("/programmes/{programme_id:int}")
def update_programme(
    request: Request, db: SessionDep, admin: Admin, programme: EditedProgramme, fields: FormFields
) -> Response:
    try:
        form = parse_form(ProgrammeForm, fields)
        service.update_programme(db, actor=admin, programme=programme, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _programme_page(request, programme, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "saved_named", name=programme.code)
    return redirect(request, "/admin/programmes")


# Interests and their groups


def _interest_values(interest: Interest) -> dict[str, str]:
    return {
        "code": interest.code,
        "label_da": interest.label_da,
        "label_en": interest.label_en,
        "group_id": str(interest.group_id),
        "active": "1" if interest.active else "",
        "sort_order": str(interest.sort_order),
    }


def _interest_page(
    request: Request,
    db: SessionDep,
    interest: Interest | None,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "interest": interest,
        "values": values,
        "errors": errors,
        "group_options": [
            (group.id, group.label_da if get_locale() == "da" else group.label_en)
            for group in service.list_interest_groups(db)
        ],
    }
    return render(request, "admin/interest_form.html", context, status_code=status_code)


def _interests_page(
    request: Request,
    db: SessionDep,
    group_values: Mapping[str, Any],
    group_errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "interests": service.list_interests(db),
        "groups": service.list_interest_groups(db),
        "group_values": group_values,
        "group_errors": group_errors,
    }
    return render(request, "admin/interests.html", context, status_code=status_code)


@router.get("/interests")
def interests_page(request: Request, db: SessionDep) -> Response:
    return _interests_page(request, db, {}, {})


@router.post("/interests/groups")
def create_interest_group(
    request: Request, db: SessionDep, admin: Admin, fields: FormFields
) -> Response:
    try:
        form = parse_form(InterestGroupForm, fields)
        group = service.create_interest_group(db, actor=admin, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _interests_page(request, db, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "created_named", name=group.label_da)
    return redirect(request, "/admin/interests")


@router.get("/interests/new")
def new_interest_page(request: Request, db: SessionDep) -> Response:
    return _interest_page(request, db, None, {"active": "1"}, {})


@router.post("/interests/new")
def create_interest(request: Request, db: SessionDep, admin: Admin, fields: FormFields) -> Response:
    try:
        form = parse_form(InterestForm, fields)
        interest = service.create_interest(db, actor=admin, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _interest_page(request, db, None, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "created_named", name=interest.code)
    return redirect(request, "/admin/interests")


@router.get("/interests/{interest_id:int}")
def edit_interest_page(request: Request, db: SessionDep, interest: EditedInterest) -> Response:
    return _interest_page(request, db, interest, _interest_values(interest), {})


@router.post("/interests/{interest_id:int}")
def update_interest(
    request: Request, db: SessionDep, admin: Admin, interest: EditedInterest, fields: FormFields
) -> Response:
    try:
        form = parse_form(InterestForm, fields)
        service.update_interest(db, actor=admin, interest=interest, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _interest_page(request, db, interest, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "saved_named", name=interest.code)
    return redirect(request, "/admin/interests")
