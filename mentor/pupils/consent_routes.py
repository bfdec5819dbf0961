"""Consent for a whole class from one checklist, and the printable letter to guardians."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LOCALES, LazyText, get_locale, lazy_gettext, using_locale
from mentor.models import ConsentState, Organisation, Pupil, User
from mentor.policy import Permission
from mentor.pupils import service
from mentor.pupils.consent import (
    ConsentRecord,
    date_problem,
    local_today,
    record_class_consent,
    retention_years,
)
from mentor.pupils.forms import (
    CONSENT_METHOD_LABELS,
    CONSENT_STATE_LABELS,
    RECORDABLE_CONSENT_STATES,
    ClassConsentForm,
)
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import ERROR_MESSAGES, FormFields, bad_text, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render

Staff = Annotated[User, Depends(allowed(Permission.ENROL_PUPILS))]
# Included by the pupils router, under its /pupils prefix and its permission check.
router = APIRouter()

CHECKLIST_URL = "/pupils/consent"
NOTHING_CHOSEN = lazy_gettext("Choose a new consent for at least one pupil.")
REQUIRED = ERROR_MESSAGES["missing"]
TOO_LONG = ERROR_MESSAGES["string_too_long"]


def _school(schools: list[Organisation], school_id: str | int | None) -> Organisation | None:
    """The chosen school, the only one if there is one; a school outside the scope is a 404."""
    if school_id in (None, ""):
        return schools[0] if len(schools) == 1 else None
    chosen = next((s for s in schools if str(s.id) == str(school_id).strip()), None)
    if chosen is None:
        raise NotFound()
    return chosen


def _row_defaults(pupils: list[Pupil]) -> dict[str, str]:
    return {f"given_by_{pupil.id}": pupil.guardian_name or "" for pupil in pupils}


def _checklist_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    school_id: str | None,
    class_name: str | None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    schools = service.enrolment_schools(db, user=user)
    school = _school(schools, school_id)
    classes = service.class_names(db, user=user, school_id=school.id) if school else []
    chosen_class = class_name if class_name in classes else None
    pupils = (
        service.class_pupils(db, user=user, school_id=school.id, class_name=chosen_class)
        if school and chosen_class
        else []
    )
    shown = {
        "school_id": str(school.id) if school else "",
        "class_name": chosen_class or "",
        "consent_date": local_today().isoformat(),
        **_row_defaults(pupils),
    }
    context = {
        "school": school,
        "class_name": chosen_class,
        "pupils": pupils,
        "values": {**shown, **(values or {})},
        "errors": errors or {},
        "school_options": [(str(s.id), s.name) for s in schools],
        "class_options": [(name, name) for name in classes],
        "state_options": [
            (state.value, str(CONSENT_STATE_LABELS[state])) for state in RECORDABLE_CONSENT_STATES
        ],
        "method_options": [(m.value, str(label)) for m, label in CONSENT_METHOD_LABELS.items()],
        "consent_labels": CONSENT_STATE_LABELS,
        "method_labels": CONSENT_METHOD_LABELS,
        "today": local_today().isoformat(),
    }
    return render(
        request, "pupils/consent_class.html", context, status_code=status_code, block="checklist"
    )


@router.get("/consent")
def class_consent_page(
    request: Request,
    db: SessionDep,
    user: Staff,
    school_id: str | None = None,
    class_name: str | None = None,
) -> Response:
    return _checklist_page(request, db, user, school_id=school_id, class_name=class_name)


def _changes(
    fields: Mapping[str, str], pupils: list[Pupil], form: ClassConsentForm, *, today: date
) -> list[tuple[Pupil, ConsentRecord]]:
    """The rows with a new state chosen; every problem at once, keyed by the row's field."""
    errors: dict[str, LazyText | str] = {}
    chosen: list[tuple[Pupil, ConsentState, str]] = []
    recordable = {state.value: state for state in RECORDABLE_CONSENT_STATES}
    for pupil in pupils:
        state = fields.get(f"state_{pupil.id}", "").strip()
        if not state:
            continue  # untouched: this pupil's consent stays as it is
        given_by = fields.get(f"given_by_{pupil.id}", "").strip()
        if state not in recordable:
            errors[f"state_{pupil.id}"] = ERROR_MESSAGES["enum"]
        if refused := bad_text(fields, f"given_by_{pupil.id}"):
            errors |= refused
        elif not given_by:
            errors[f"given_by_{pupil.id}"] = REQUIRED
        elif len(given_by) > 200:
            errors[f"given_by_{pupil.id}"] = TOO_LONG
        if state in recordable:
            chosen.append((pupil, recordable[state], given_by))
    method, on = form.method, form.consent_date
    if chosen and method is None:
        errors["method"] = REQUIRED
    if chosen and on is None:
        errors["consent_date"] = REQUIRED
    elif on is not None and (problem := date_problem(on, today=today)):
        errors["consent_date"] = problem
    if errors:
        raise InvalidInput(errors)
    if not chosen or method is None or on is None:
        raise InvalidInput({"__all__": NOTHING_CHOSEN})
    return [
        (pupil, ConsentRecord(state=state, given_by=by, method=method, on=on))
        for pupil, state, by in chosen
    ]


@router.post("/consent")
def record_class_consent_route(
    request: Request, db: SessionDep, user: Staff, fields: FormFields, clock: ClockDep
) -> Response:
    now = clock()
    school_id, class_name = fields.get("school_id"), fields.get("class_name")
    try:
        form = parse_form(ClassConsentForm, fields)
        school = _school(service.enrolment_schools(db, user=user), form.school_id)
        if school is None:
            raise NotFound()
        pupils = service.class_pupils(
            db, user=user, school_id=school.id, class_name=form.class_name
        )
        changes = _changes(fields, pupils, form, today=local_today(now))
        count = record_class_consent(db, actor=user, changes=changes, now=now)
    except InvalidInput as error:
        db.rollback()  # one class, one transaction: not a single row is written
        return _checklist_page(
            request,
            db,
            user,
            school_id=school_id,
            class_name=class_name,
            values=fields,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "class_consent_recorded", class_name=form.class_name, count=str(count))
    query = urlencode({"school_id": school.id, "class_name": form.class_name})
    return redirect(request, f"{CHECKLIST_URL}?{query}")


# The letter


@router.get("/consent-letter")
def consent_letter(
    request: Request,
    db: SessionDep,
    user: Staff,
    lang: str | None = None,
    school_id: str | None = None,
) -> Response:
    letter_locale = lang if lang in LOCALES else get_locale()
    schools = service.enrolment_schools(db, user=user)
    school = _school(schools, school_id) if schools else None
    context: dict[str, Any] = {
        "letter_locale": letter_locale,
        "school": school,
        "school_options": [(str(s.id), s.name) for s in schools],
        "retention_years": retention_years(db),
        "contact": user,
    }
    # The whole page in the letter's language, so that a Danish coordinator can print the
    # English letter for a family that reads English.
    with using_locale(letter_locale):
        return render(request, "pupils/consent_letter.html", context)
