"""The pupil list, the pupil page, editing, archiving, and consent recorded for one pupil."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.ambassadors.proposals_routes import DECLINE_LABELS
from mentor.catalogue.languages import checked_languages, language_name, language_options
from mentor.errors import InvalidInput
from mentor.i18n import LOCAL_TIMEZONE, format_local_date, get_locale
from mentor.matches.closing import CLOSE_REASON_LABELS, EndForm, close_reason_options
from mentor.matches.explanations import Reader, reason_sentences
from mentor.meetings.labels import ATTENDANCE_LABELS, MEETING_STATE_LABELS
from mentor.models import Pupil, User
from mentor.policy import Permission, has_permission, may_set_priority
from mentor.pupils import consent_routes, notes, service, timeline
from mentor.pupils.archive_question import archive_confirmation
from mentor.pupils.consent import ConsentRecord, local_today, record_consent
from mentor.pupils.deps import VisiblePupil
from mentor.pupils.forms import (
    CONSENT_METHOD_LABELS,
    CONSENT_STATE_LABELS,
    MATCH_FILTER_LABELS,
    MATCH_STATE_LABELS,
    QUESTIONNAIRE_FILTER_LABELS,
    RECORDABLE_CONSENT_STATES,
    STATUS_LABELS,
    ConsentForm,
    PupilFilters,
    PupilForm,
    parse_filters,
)
from mentor.pupils.history import pupil_history
from mentor.web import flash
from mentor.web.confirmation import confirmation_page, is_confirmed
from mentor.web.deps import ClockDep, SessionDep, allowed, app_settings, client_ip
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render
from mentor.web.views import commit_view

_may_enrol = allowed(Permission.ENROL_PUPILS)
Staff = Annotated[User, Depends(_may_enrol)]
router = APIRouter(prefix="/pupils", dependencies=[Depends(_may_enrol)])
# The class checklist and the consent letter, under the same prefix and permission.
router.include_router(consent_routes.router)

LIST_URL = "/pupils"

# Shared by the pupil templates: the names of states, methods and filters.
LABELS: dict[str, Any] = {
    "consent_labels": CONSENT_STATE_LABELS,
    "method_labels": CONSENT_METHOD_LABELS,
    "status_labels": STATUS_LABELS,
    "match_labels": MATCH_STATE_LABELS,
    "meeting_state_labels": MEETING_STATE_LABELS,
    "attendance_labels": ATTENDANCE_LABELS,
    "language_name": language_name,
}


def _options(labels: Mapping[Any, Any]) -> list[tuple[str, str]]:
    return [(str(key), str(label)) for key, label in labels.items()]


def pupil_url(pupil: Pupil) -> str:
    return f"{LIST_URL}/{pupil.id}"


# The list


def _page_url(filters: PupilFilters, page: int) -> str:
    params = filters.query_params() | ({"page": str(page)} if page > 1 else {})
    return f"{LIST_URL}?{urlencode(params)}" if params else LIST_URL


def _page_links(filters: PupilFilters, page: int, pages: int) -> list[tuple[int, str]]:
    """The first, the last, and the pages near this one: a handful of links, however many pages."""
    near = range(max(1, page - 2), min(pages, page + 2) + 1)
    return [(number, _page_url(filters, number)) for number in sorted({1, pages, *near})]


def _day_formatter() -> Callable[[datetime], str]:
    """The ``date`` filter for a column of dates, each day formatted once a request: a class
    answers the questionnaire on the same days, and babel's formatting of 50 dates was a
    quarter of the list's rendering."""

    @cache
    def day(value: date) -> str:
        return format_local_date(value)

    return lambda value: day(value.astimezone(LOCAL_TIMEZONE).date())


def _translated(labels: Mapping[Any, Any]) -> dict[Any, str]:
    # Each label once a request, not once a row: a lazy text is translated whenever it is shown.
    return {key: str(label) for key, label in labels.items()}


@router.get("")
def pupils_page(request: Request, db: SessionDep, user: Staff) -> Response:
    filters = parse_filters(request.query_params)
    schools = service.enrolment_school_names(db, user=user)
    if filters.school_id is not None and filters.school_id not in schools:
        # A school outside the user's scope (a hand-made URL) filters nothing in: drop it.
        filters = parse_filters({**request.query_params, "school_id": ""})
    result = service.list_pupils(db, user=user, filters=filters, school_ids=schools.keys())
    context = {
        **LABELS,
        "consent_labels": _translated(CONSENT_STATE_LABELS),
        "match_labels": _translated(MATCH_STATE_LABELS),
        "day": _day_formatter(),
        "filters": filters,
        "values": filters.query_params(),
        "result": result,
        "page_links": _page_links(filters, result.page, result.pages),
        "school_options": [(str(school_id), name) for school_id, name in schools.items()],
        "school_names": schools,
        "show_school": len(schools) > 1,
        "class_options": [
            (name, name) for name in service.class_names(db, user=user, school_ids=schools.keys())
        ],
        "grade_options": [(str(grade), str(grade)) for grade in range(7, 11)],
        "consent_options": _options(CONSENT_STATE_LABELS),
        "questionnaire_options": _options(QUESTIONNAIRE_FILTER_LABELS),
        "match_options": _options(MATCH_FILTER_LABELS),
    }
    return render(request, "pupils/list.html", context, block="results")


# The pupil page


def _consent_defaults(pupil: Pupil) -> dict[str, str]:
    return {
        "state": "given",
        "given_by": pupil.guardian_name or "",
        "method": "",
        "consent_date": local_today().isoformat(),
    }


def render_pupil_page(
    request: Request,
    db: SessionDep,
    user: User,
    pupil: Pupil,
    *,
    consent_values: Mapping[str, str] | None = None,
    consent_errors: Mapping[str, object] | None = None,
    end_form: EndForm | None = None,
    note_form: EndForm | None = None,
    status_code: int = 200,
) -> Response:
    """The pupil page (also the answer to a form on it that came back with messages)."""
    history = pupil_history(db, pupil=pupil)
    settings = app_settings(request)
    newest_events = timeline.pupil_timeline(db, user=user, pupil=pupil, settings=settings)
    shown_notes = notes.pupil_notes(db, user=user, pupil=pupil)
    ip = client_ip(request)
    commit_view(db, lambda: service.record_read(db, actor=user, pupil=pupil, ip=ip))
    context = {
        **LABELS,
        "pupil": pupil,
        "history": history,
        "consent_values": consent_values or _consent_defaults(pupil),
        "consent_errors": consent_errors or {},
        "consent_state_options": [
            (state.value, str(CONSENT_STATE_LABELS[state])) for state in RECORDABLE_CONSENT_STATES
        ],
        "method_options": _options(CONSENT_METHOD_LABELS),
        "today": local_today().isoformat(),
        # The matches section: why each was proposed, how it ended, and (for counsellors) the
        # form that ends an open one.
        "match_reasons": lambda match: reason_sentences(
            match.explanation,
            get_locale(),
            Reader.staff(pupil.first_name, match.ambassador.user.full_name),
        ),
        "close_reason_labels": CLOSE_REASON_LABELS,
        "decline_labels": DECLINE_LABELS,
        "may_end_matches": has_permission(user, Permission.FOLLOW_UP),
        "end_form": end_form or EndForm(),
        "close_reason_options": close_reason_options(),
        # The counsellors' notes and the timeline (mentor/pupils/notes.py, timeline.py).
        "timeline": newest_events,
        "may_use_notes": notes.may_use_notes(user),
        "notes": shown_notes,
        "note_form": note_form or EndForm(),
        "note_max_length": notes.BODY_MAX_LENGTH,
    }
    return render(request, "pupils/pupil.html", context, status_code=status_code)


@router.get("/{pupil_id:int}")
def pupil_page(request: Request, db: SessionDep, user: Staff, pupil: VisiblePupil) -> Response:
    return render_pupil_page(request, db, user, pupil)


@router.post("/{pupil_id:int}/consent")
def record_pupil_consent(
    request: Request,
    db: SessionDep,
    user: Staff,
    pupil: VisiblePupil,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    try:
        form = parse_form(ConsentForm, fields)
        consent = ConsentRecord(
            state=form.state, given_by=form.given_by, method=form.method, on=form.consent_date
        )
        record_consent(db, actor=user, pupil=pupil, consent=consent, now=clock())
    except InvalidInput as error:
        db.rollback()
        return render_pupil_page(
            request,
            db,
            user,
            pupil,
            consent_values=fields,
            consent_errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "consent_recorded", name=f"{pupil.first_name} {pupil.last_name}")
    return redirect(request, pupil_url(pupil))


# Editing and archiving


def _form_values(pupil: Pupil) -> dict[str, str]:
    values = {
        name: "" if getattr(pupil, name) is None else str(getattr(pupil, name))
        for name in (
            "first_name",
            "last_name",
            "grade",
            "class_name",
            "birth_year",
            "guardian_name",
            "guardian_email",
            "guardian_phone",
            "email",
        )
    }
    if pupil.priority:
        values["priority"] = "1"
    return values


def _edit_page(
    request: Request,
    db: SessionDep,
    user: User,
    pupil: Pupil,
    *,
    values: Mapping[str, str],
    languages: list[str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    ip = client_ip(request)
    commit_view(db, lambda: service.record_read(db, actor=user, pupil=pupil, ip=ip))
    context = {
        **LABELS,
        "pupil": pupil,
        "values": values,
        "errors": errors,
        "languages": set(languages),
        "language_options": language_options(languages),
        "may_set_priority": may_set_priority(user),
        "grade_options": [(str(grade), str(grade)) for grade in range(7, 11)],
    }
    return render(request, "pupils/edit.html", context, status_code=status_code)


@router.get("/{pupil_id:int}/edit")
def edit_pupil_page(request: Request, db: SessionDep, user: Staff, pupil: VisiblePupil) -> Response:
    return _edit_page(
        request,
        db,
        user,
        pupil,
        values=_form_values(pupil),
        languages=list(pupil.languages),
        errors={},
    )


@router.post("/{pupil_id:int}/edit")
def edit_pupil(
    request: Request, db: SessionDep, user: Staff, pupil: VisiblePupil, fields: FormFields
) -> Response:
    languages = checked_languages(fields)
    try:
        form = parse_form(PupilForm, fields)
        service.update_pupil(
            db,
            actor=user,
            pupil=pupil,
            form=form,
            languages=languages,
            priority=form.priority if may_set_priority(user) else None,
        )
    except InvalidInput as error:
        db.rollback()
        return _edit_page(
            request,
            db,
            user,
            pupil,
            values=fields,
            languages=languages,
            errors=error.field_errors,
            status_code=422,
        )
    db.commit()
    flash.add(request, "saved_named", name=f"{pupil.first_name} {pupil.last_name}")
    return redirect(request, pupil_url(pupil))


def _set_archived(
    request: Request, db: SessionDep, user: User, pupil: Pupil, *, archived: bool
) -> Response:
    try:
        service.set_archived(db, actor=user, pupil=pupil, archived=archived)
    except InvalidInput as error:
        db.rollback()
        return render_pupil_page(
            request, db, user, pupil, consent_errors=error.field_errors, status_code=422
        )
    db.commit()
    name = f"{pupil.first_name} {pupil.last_name}"
    flash.add(request, "pupil_archived" if archived else "pupil_restored", name=name)
    return redirect(request, pupil_url(pupil))


@router.get("/{pupil_id:int}/archive")
def archive_question(
    request: Request, db: SessionDep, clock: ClockDep, user: Staff, pupil: VisiblePupil
) -> Response:
    return confirmation_page(request, archive_confirmation(db, pupil=pupil, now=clock()))


@router.post("/{pupil_id:int}/archive")
def archive_pupil(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    user: Staff,
    pupil: VisiblePupil,
    fields: FormFields,
) -> Response:
    if not is_confirmed(fields):
        return confirmation_page(request, archive_confirmation(db, pupil=pupil, now=clock()))
    return _set_archived(request, db, user, pupil, archived=True)


@router.post("/{pupil_id:int}/restore")
def restore_pupil(request: Request, db: SessionDep, user: Staff, pupil: VisiblePupil) -> Response:
    return _set_archived(request, db, user, pupil, archived=False)
