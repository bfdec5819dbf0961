"""Admin pages for scheduling's reference data: the school-year calendar and the meeting topics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.catalogue import calendar_service as service
from mentor.catalogue.calendar_forms import (
    KIND_LABELS,
    CalendarEntryForm,
    MeetingTopicForm,
    NewMeetingTopicForm,
)
from mentor.catalogue.forms import format_form_date
from mentor.errors import InvalidInput
from mentor.i18n import get_locale
from mentor.models import CalendarEntry, MeetingTopic, User
from mentor.organisations.service import school_choices
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import SessionDep, allowed
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_manage = allowed(Permission.MANAGE_CATALOGUE)
Admin = Annotated[User, Depends(_may_manage)]
router = APIRouter(prefix="/admin", dependencies=[Depends(_may_manage)])

CALENDAR_URL = "/admin/calendar"
TOPICS_URL = "/admin/topics"


def _entry(db: SessionDep, entry_id: int, _admin: Admin) -> CalendarEntry:
    return service.get_calendar_entry(db, entry_id)


def _topic(db: SessionDep, topic_id: int, _admin: Admin) -> MeetingTopic:
    return service.get_topic(db, topic_id)


EditedEntry = Annotated[CalendarEntry, Depends(_entry)]
EditedTopic = Annotated[MeetingTopic, Depends(_topic)]


# The school-year calendar


def _school_year(day: date) -> str:
    """The Danish school year a day falls in, from 1 August: 2026/27."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def _by_school_year(
    entries: Sequence[CalendarEntry],
) -> list[tuple[str, list[CalendarEntry]]]:
    return [
        (year, list(group))
        for year, group in groupby(entries, key=lambda entry: _school_year(entry.starts_on))
    ]


def _name(entry: CalendarEntry) -> str:
    return entry.name_da if get_locale() == "da" else entry.name_en


def _entry_page(
    request: Request,
    db: SessionDep,
    entry: CalendarEntry | None,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    keep = [entry.school_id] if entry is not None and entry.school_id is not None else []
    context = {
        "entry": entry,
        "values": values,
        "errors": errors,
        "kind_options": [(kind.value, label) for kind, label in KIND_LABELS.items()],
        "school_options": [(school.id, school.name) for school in school_choices(db, keep=keep)],
    }
    return render(request, "admin/calendar_entry_form.html", context, status_code=status_code)


@router.get("/calendar")
def calendar_page(request: Request, db: SessionDep) -> Response:
    entries = service.list_calendar_entries(db)
    context = {
        "school_years": _by_school_year(entries),
        "count": len(entries),
        "kind_labels": KIND_LABELS,
    }
    return render(request, "admin/calendar.html", context)


@router.get("/calendar/new")
def new_entry_page(request: Request, db: SessionDep) -> Response:
    return _entry_page(request, db, None, {}, {})


@router.post("/calendar/new")
def create_entry(request: Request, db: SessionDep, admin: Admin, fields: FormFields) -> Response:
    try:
        form = parse_form(CalendarEntryForm, fields)
        entry = service.create_calendar_entry(db, actor=admin, fields=form)
    except InvalidInput as error:
        db.rollback()  # nothing is written
        return _entry_page(request, db, None, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "created_named", name=_name(entry))
    return redirect(request, CALENDAR_URL)


@router.get("/calendar/{entry_id:int}")
def edit_entry_page(request: Request, db: SessionDep, entry: EditedEntry) -> Response:
    values = {
        "kind": entry.kind.value,
        "name_da": entry.name_da,
        "name_en": entry.name_en,
        "starts_on": format_form_date(entry.starts_on),
        "ends_on": format_form_date(entry.ends_on),
        "school_id": "" if entry.school_id is None else str(entry.school_id),
    }
    return _entry_page(request, db, entry, values, {})


@router.post("/calendar/{entry_id:int}")
def update_entry(
    request: Request, db: SessionDep, admin: Admin, entry: EditedEntry, fields: FormFields
) -> Response:
    try:
        form = parse_form(CalendarEntryForm, fields)
        service.update_calendar_entry(db, actor=admin, entry=entry, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _entry_page(request, db, entry, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "saved_named", name=_name(entry))
    return redirect(request, CALENDAR_URL)


@router.post("/calendar/{entry_id:int}/delete")
def delete_entry(request: Request, db: SessionDep, admin: Admin, entry: EditedEntry) -> Response:
    name = _name(entry)
    service.delete_calendar_entry(db, actor=admin, entry=entry)
    db.commit()
    flash.add(request, "deleted_named", name=name)
    return redirect(request, CALENDAR_URL)


# Meeting topics


def _label(topic: MeetingTopic) -> str:
    return topic.label_da if get_locale() == "da" else topic.label_en


def _topic_page(
    request: Request,
    topic: MeetingTopic | None,
    values: Mapping[str, str],
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {"topic": topic, "values": values, "errors": errors}
    return render(request, "admin/topic_form.html", context, status_code=status_code)


@router.get("/topics")
def topics_page(request: Request, db: SessionDep) -> Response:
    return render(request, "admin/topics.html", {"topics": service.list_topics(db)})


@router.get("/topics/new")
def new_topic_page(request: Request) -> Response:
    return _topic_page(request, None, {"active": "1"}, {})


@router.post("/topics/new")
def create_topic(request: Request, db: SessionDep, admin: Admin, fields: FormFields) -> Response:
    try:
        form = parse_form(NewMeetingTopicForm, fields)
        topic = service.create_topic(db, actor=admin, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _topic_page(request, None, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "created_named", name=_label(topic))
    return redirect(request, TOPICS_URL)


@router.get("/topics/{topic_id:int}")
def edit_topic_page(request: Request, topic: EditedTopic) -> Response:
    values = {
        "label_da": topic.label_da,
        "label_en": topic.label_en,
        "active": "1" if topic.active else "",
        "sort_order": str(topic.sort_order),
    }
    return _topic_page(request, topic, values, {})


@router.post("/topics/{topic_id:int}")
def update_topic(
    request: Request, db: SessionDep, admin: Admin, topic: EditedTopic, fields: FormFields
) -> Response:
    try:
        form = parse_form(MeetingTopicForm, fields)
        service.update_topic(db, actor=admin, topic=topic, fields=form)
    except InvalidInput as error:
        db.rollback()
        return _topic_page(request, topic, fields, error.field_errors, 422)
    db.commit()
    flash.add(request, "saved_named", name=_label(topic))
    return redirect(request, TOPICS_URL)
