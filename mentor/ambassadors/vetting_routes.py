"""Admin pages for vetting ambassadors: the list by state with bulk actions, one ambassador's
page with the moves its state allows, and the børneattest re-check list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from mentor.ambassadors import vetting, vetting_lists
from mentor.ambassadors.vetting import STATE_LABELS, TRANSITIONS
from mentor.ambassadors.vetting_steps import STEPS, Step, StepInput, leave_confirmation
from mentor.config import Settings
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import Ambassador, AmbassadorState, User
from mentor.organisations.forms import checked_ids
from mentor.paging import page_links, page_number, search_text
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.confirmation import confirmation_page, is_confirmed
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, FormModel, LocalDate, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_vet = allowed(Permission.VET_AMBASSADORS)
Admin = Annotated[User, Depends(_may_vet)]
router = APIRouter(prefix="/admin/ambassadors", dependencies=[Depends(_may_vet)])

LIST_URL = "/admin/ambassadors"
PICKED = "ambassador_"  # the list's checkboxes are named ambassador_<id>


BULK_ACTIONS: dict[str, LazyText] = {
    "approve": lazy_gettext("Approve to onboard"),
    "request_certificate": lazy_gettext("Mark børneattest as requested"),
    "complete_training": lazy_gettext("Mark as trained (date required)"),
    "activate": lazy_gettext("Activate"),
}


class BulkForm(FormModel):
    action: str = Field(pattern="^(approve|request_certificate|complete_training|activate)$")
    on: LocalDate | None = None


def _ambassador(db: SessionDep, ambassador_id: int, _admin: Admin) -> Ambassador:
    return vetting.get_ambassador(db, ambassador_id)


VettedAmbassador = Annotated[Ambassador, Depends(_ambassador)]


@router.get("")
def ambassadors_page(request: Request, db: SessionDep, state: str | None = None) -> Response:
    return _list_page(request, db, state=state, values={}, errors={})


def _list_page(
    request: Request,
    db: SessionDep,
    *,
    state: str | None,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    checked: set[int] | None = None,
    status_code: int = 200,
) -> Response:
    # A filter the page did not offer (a hand-made URL) shows everyone rather than an error.
    chosen = AmbassadorState(state) if state in set(AmbassadorState) else None
    q = search_text(request.query_params)
    ambassadors = vetting_lists.list_ambassadors(
        db, state=chosen, q=q, page=page_number(request.query_params)
    )
    params = {"state": chosen.value if chosen else "", "q": q}
    context = {
        "ambassadors": ambassadors,
        "page_links": page_links(LIST_URL, params, ambassadors),
        "q": q,
        "counts": vetting_lists.state_counts(db),
        "state_filter": chosen.value if chosen else "",
        "state_labels": STATE_LABELS,
        "bulk_actions": BULK_ACTIONS,
        "values": values,
        "errors": errors,
        "checked": checked or set(),
    }
    return render(
        request,
        "ambassadors/admin_list.html",
        context,
        status_code=status_code,
        block="ambassador_table",
    )


@router.post("/bulk")
def bulk_action(
    request: Request, db: SessionDep, settings: SettingsDep, admin: Admin, fields: FormFields
) -> Response:
    picked = checked_ids(fields, PICKED)
    state = fields.get("state")
    try:
        form = parse_form(BulkForm, fields)
        count = _run_bulk(db, admin=admin, form=form, ids=picked, settings=settings)
    except InvalidInput as error:
        db.rollback()
        return _list_page(
            request,
            db,
            state=state,
            values=fields,
            errors=error.field_errors,
            checked=picked,
            status_code=422,
        )
    db.commit()
    flash.add(request, "ambassadors_bulk_done", count=str(count))
    return redirect(
        request, LIST_URL + (f"?state={state}" if state in set(AmbassadorState) else "")
    )


def _run_bulk(
    db: SessionDep, *, admin: User, form: BulkForm, ids: set[int], settings: Settings
) -> int:
    """All or nothing: one ambassador in the wrong state and none is changed."""
    if not ids:
        raise InvalidInput({"ambassadors": lazy_gettext("Tick at least one ambassador.")})
    if form.action == "complete_training" and form.on is None:
        raise InvalidInput({"on": lazy_gettext("Give the date of the training.")})
    targets = {
        "approve": AmbassadorState.APPROVED,
        "request_certificate": AmbassadorState.CERTIFICATE_REQUESTED,
        "complete_training": AmbassadorState.TRAINED,
        "activate": AmbassadorState.ACTIVE,
    }
    target = targets[form.action]
    chosen = [vetting.get_ambassador(db, ambassador_id) for ambassador_id in sorted(ids)]
    stuck = [a.user.full_name for a in chosen if (a.state, target) not in TRANSITIONS]
    if stuck:
        raise InvalidInput(
            {
                "ambassadors": lazy_gettext(
                    "Not possible for: %(names)s. Their state does not allow it; untick them.",
                    names=", ".join(stuck),
                )
            }
        )
    if form.action == "complete_training":
        unbooked = [a.user.full_name for a in chosen if a.training_booked_at is None]
        if unbooked:
            raise InvalidInput(
                {
                    "ambassadors": lazy_gettext(
                        "Training not booked for: %(names)s. Book it on their page first,"
                        " or untick them.",
                        names=", ".join(unbooked),
                    )
                }
            )
    for ambassador in chosen:
        if form.action == "approve":
            vetting.approve(db, actor=admin, ambassador=ambassador, settings=settings)
        elif form.action == "request_certificate":
            vetting.request_certificate(db, actor=admin, ambassador=ambassador, on=form.on)
        elif form.action == "complete_training":
            assert form.on is not None
            vetting.complete_training(
                db, actor=admin, ambassador=ambassador, on=form.on, field="on"
            )
        else:
            vetting.activate(db, actor=admin, ambassador=ambassador)
    return len(chosen)


@router.get("/recheck")
def recheck_page(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    due = vetting_lists.due_for_recheck(db, settings=settings)
    context = {
        "rows": [(a, vetting_lists.recheck_due_at(a, settings)) for a in due],
        "state_labels": STATE_LABELS,
        "recheck_days": settings.child_certificate_recheck_days,
    }
    return render(request, "ambassadors/admin_recheck.html", context)


def _detail_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    ambassador: Ambassador,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    moves = {target for (source, target) in TRANSITIONS if source is ambassador.state}
    context = {
        "ambassador": ambassador,
        "state_labels": STATE_LABELS,
        "moves": moves,
        "may_recheck": ambassador.state in vetting.CLEARED_STATES,
        "may_book_training": ambassador.state is AmbassadorState.CERTIFICATE_CLEARED,
        "recheck_due": vetting_lists.recheck_due_at(ambassador, settings),
        "today": date.today().isoformat(),
        "values": values or {},
        "errors": errors or {},
        "S": AmbassadorState,
    }
    return render(request, "ambassadors/admin_detail.html", context, status_code=status_code)


@router.get("/{ambassador_id:int}")
def ambassador_page(
    request: Request, db: SessionDep, settings: SettingsDep, ambassador: VettedAmbassador
) -> Response:
    return _detail_page(request, db, settings, ambassador)


def _act(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    ambassador: Ambassador,
    fields: dict[str, str],
    action: Callable[[], None],
) -> Response:
    try:
        action()
    except InvalidInput as error:
        db.rollback()
        fresh = vetting.get_ambassador(db, ambassador.id)
        return _detail_page(
            request, db, settings, fresh, values=fields, errors=error.field_errors, status_code=422
        )
    db.commit()
    flash.add(
        request,
        "ambassador_state_changed",
        name=ambassador.user.full_name,
        state=str(STATE_LABELS[ambassador.state]),
    )
    return redirect(request, f"{LIST_URL}/{ambassador.id}")


def _step_route(name: str, step: Step) -> Callable[..., Response]:
    """The one handler of every step on the ambassador's page (the table is ``STEPS``)."""

    def route(
        request: Request,
        db: SessionDep,
        settings: SettingsDep,
        clock: ClockDep,
        admin: Admin,
        ambassador: VettedAmbassador,
        fields: FormFields,
    ) -> Response:
        if name in ASKED_FIRST and not is_confirmed(fields):
            question = leave_confirmation(db, ambassador=ambassador, now=clock())
            return confirmation_page(request, question)
        given = StepInput(db, admin, ambassador, settings, fields)
        return _act(request, db, settings, ambassador, fields, lambda: step(given))

    route.__name__ = name.replace("-", "_")
    return route


# Steps asked first on a page of their own: leaving ends matches and cancels meetings.
ASKED_FIRST = frozenset({"leave"})


@router.get("/{ambassador_id:int}/leave")
def leave_question(
    request: Request, db: SessionDep, clock: ClockDep, ambassador: VettedAmbassador
) -> Response:
    return confirmation_page(request, leave_confirmation(db, ambassador=ambassador, now=clock()))


for _name, _step in STEPS.items():
    router.post(f"/{{ambassador_id:int}}/{_name}")(_step_route(_name, _step))
