"""Admin pages for users: the list with a role filter, invitations, editing, disabling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.accounts import mfa, service
from mentor.accounts.disable_question import disable_confirmation
from mentor.accounts.forms import ROLE_LABELS, InviteForm, UserUpdateForm
from mentor.errors import InvalidInput
from mentor.i18n import lazy_gettext
from mentor.models import Role, User
from mentor.organisations.forms import KIND_LABELS, checked_ids
from mentor.organisations.service import (
    organisation_choices,
    school_choices,
    schools_of_counsellor,
)
from mentor.paging import page_links, page_number, search_text
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.confirmation import Confirmation, confirmation_page, is_confirmed
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed, client_ip
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_manage = allowed(Permission.MANAGE_USERS)
Admin = Annotated[User, Depends(_may_manage)]
router = APIRouter(prefix="/admin/users", dependencies=[Depends(_may_manage)])

LIST_URL = "/admin/users"
SCHOOLS = "schools"  # the checkboxes are named schools_<id>
ROLE_OPTIONS = [(role.value, label) for role, label in ROLE_LABELS.items()]


def _user(db: SessionDep, user_id: int, _admin: Admin) -> User:
    return service.get_user(db, user_id)


EditedUser = Annotated[User, Depends(_user)]


def _organisation_options(db: SessionDep, keep: int | None) -> list[tuple[str, str]]:
    organisations = organisation_choices(db, keep=[keep] if keep is not None else [])
    return [(str(o.id), f"{o.name} ({KIND_LABELS[o.kind]})") for o in organisations]


@router.get("")
def users_page(request: Request, db: SessionDep, role: str | None = None) -> Response:
    # A filter the page did not offer (a hand-made URL) shows everyone rather than an error.
    chosen = Role(role) if role in set(Role) else None
    q = search_text(request.query_params)
    users = service.list_users(db, role=chosen, q=q, page=page_number(request.query_params))
    params = {"role": chosen.value if chosen else "", "q": q}
    context = {
        "users": users,
        "page_links": page_links("/admin/users", params, users),
        "q": q,
        "role_filter": chosen.value if chosen else "",
        "role_options": ROLE_OPTIONS,
        "role_labels": ROLE_LABELS,
    }
    return render(request, "admin/users.html", context, block="user_table")


def _invite_page(
    request: Request,
    db: SessionDep,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "role_options": ROLE_OPTIONS,
        "organisation_options": _organisation_options(db, None),
    }
    return render(request, "admin/user_invite.html", context, status_code=status_code)


@router.get("/invite")
def invite_page(request: Request, db: SessionDep) -> Response:
    return _invite_page(request, db, values={"locale": "da"}, errors={})


@router.post("/invite")
def invite(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    admin: Admin,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(InviteForm, fields)
        user = service.invite_user(
            db,
            actor=admin,
            email=form.email,
            full_name=form.full_name,
            role=form.role,
            organisation_id=form.organisation_id,
            locale=form.locale,
            settings=settings,
        )
    except InvalidInput as error:
        db.rollback()  # no user, no token, no mail in the outbox
        return _invite_page(request, db, values=fields, errors=error.field_errors, status_code=422)
    db.commit()
    # The mail is in the outbox with the user; sending it after the response keeps the page fast.
    flash.add(request, "invitation_sent", email=user.email)
    return redirect(request, LIST_URL)


def _edit_page(
    request: Request,
    db: SessionDep,
    *,
    user: User,
    values: Mapping[str, str],
    checked: set[int],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "user": user,
        "values": values,
        "errors": errors,
        "checked": checked,
        "role_options": ROLE_OPTIONS,
        "organisation_options": _organisation_options(db, user.organisation_id),
        "schools": school_choices(db, keep=checked),
        "second_factor": mfa.credential_of(db, user_id=user.id),
    }
    return render(request, "admin/user_edit.html", context, status_code=status_code)


def _saved_state(db: SessionDep, user: User) -> tuple[dict[str, str], set[int]]:
    """The edit form's values and ticked schools as the database has them."""
    values = {"role": user.role.value, "organisation_id": str(user.organisation_id or "")}
    checked = {school.id for school in schools_of_counsellor(db, counsellor_id=user.id)}
    return values, checked


@router.get("/{user_id:int}")
def edit_user_page(request: Request, db: SessionDep, user: EditedUser) -> Response:
    values, checked = _saved_state(db, user)
    return _edit_page(request, db, user=user, values=values, checked=checked, errors={})


@router.post("/{user_id:int}")
def update_user(
    request: Request, db: SessionDep, admin: Admin, user: EditedUser, fields: FormFields
) -> Response:
    school_ids = checked_ids(fields, f"{SCHOOLS}_")
    try:
        form = parse_form(UserUpdateForm, fields)
        service.update_user(
            db,
            actor=admin,
            user=user,
            role=form.role,
            organisation_id=form.organisation_id,
            school_ids=school_ids,
        )
    except InvalidInput as error:
        db.rollback()
        return _edit_page(
            request,
            db,
            user=user,
            values=fields,
            checked=school_ids,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "user_updated", email=user.email)
    return redirect(request, LIST_URL)


def _set_active(
    request: Request, db: SessionDep, admin: User, user: User, *, active: bool
) -> Response:
    try:
        service.set_user_active(db, actor=admin, user=user, active=active)
    except InvalidInput as error:
        db.rollback()
        values, checked = _saved_state(db, user)
        return _edit_page(
            request,
            db,
            user=user,
            values=values,
            checked=checked,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "user_enabled" if active else "user_disabled", email=user.email)
    return redirect(request, f"{LIST_URL}/{user.id}")


@router.get("/{user_id:int}/disable")
def disable_question(
    request: Request, db: SessionDep, clock: ClockDep, user: EditedUser
) -> Response:
    return confirmation_page(request, disable_confirmation(db, user=user, now=clock()))


@router.post("/{user_id:int}/disable")
def disable_user(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    admin: Admin,
    user: EditedUser,
    fields: FormFields,
) -> Response:
    if not is_confirmed(fields):
        return confirmation_page(request, disable_confirmation(db, user=user, now=clock()))
    return _set_active(request, db, admin, user, active=False)


@router.post("/{user_id:int}/enable")
def enable_user(request: Request, db: SessionDep, admin: Admin, user: EditedUser) -> Response:
    return _set_active(request, db, admin, user, active=True)


def _reset_confirmation(user: User) -> Confirmation:
    return Confirmation(
        title=lazy_gettext("Reset two-step verification of %(name)s?", name=user.full_name),
        consequences=[
            lazy_gettext(
                "Their authenticator app and recovery codes stop working, and they are logged"
                " out everywhere at once."
            ),
            lazy_gettext(
                "At their next login they set up an app again if their role requires it. Do this"
                " only when you are sure who asks: a lost phone, told in person or by phone."
            ),
        ],
        action=f"/admin/users/{user.id}/two-step/reset",
        confirm_label=lazy_gettext("Reset two-step verification"),
        cancel_url=f"/admin/users/{user.id}",
    )


@router.get("/{user_id:int}/two-step/reset")
def reset_two_step_question(request: Request, user: EditedUser) -> Response:
    return confirmation_page(request, _reset_confirmation(user))


@router.post("/{user_id:int}/two-step/reset")
def reset_two_step(
    request: Request, db: SessionDep, admin: Admin, user: EditedUser, fields: FormFields
) -> Response:
    if not is_confirmed(fields):
        return confirmation_page(request, _reset_confirmation(user))
    if mfa.reset(db, actor=admin, user=user, ip=client_ip(request)):
        db.commit()
        flash.add(request, "mfa_reset", email=user.email)
    return redirect(request, f"{LIST_URL}/{user.id}")
