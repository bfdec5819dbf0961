"""A meeting's log: the ambassador writes it, the counsellor reads it, the coordinator sees who
came.

One URL for everyone who may see something of it; what they see is
``log_reading.log_access``. Anyone else — another ambassador, another school's staff — gets a
404, as for any meeting they cannot see; an admin, who does no casework, gets a 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from mentor.catalogue.calendar import active_topics
from mentor.errors import Forbidden, InvalidInput
from mentor.meetings import feedback, flag_resolution, log_reading, logs
from mentor.meetings.labels import ATTENDANCE_LABELS, HELPFULNESS_LABELS, PRIORITY_LABELS
from mentor.models import Attendance, Meeting, User
from mentor.policy import Permission, has_permission
from mentor.web import flash
from mentor.web.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, allowed
from mentor.web.forms import refuse_control_characters, without_control_characters
from mentor.web.responses import redirect
from mentor.web.templating import render
from mentor.web.views import commit_view

router = APIRouter(prefix="/meetings")

# The roles a meeting log can concern: its author, the school's counsellors and coordinator.
_LOG_PERMISSIONS = (Permission.MENTOR, Permission.FOLLOW_UP, Permission.CONFIRM_MEETINGS)


def _log_reader(user: CurrentUser) -> User:
    if not any(has_permission(user, permission) for permission in _LOG_PERMISSIONS):
        raise Forbidden()
    return user


LogReader = Annotated[User, Depends(_log_reader)]
# Only the meeting's ambassador writes its log (checked again against the meeting itself).
Ambassador = Annotated[User, Depends(allowed(Permission.MENTOR))]


async def _posted_form(request: Request) -> FormData:
    # The topics are checkboxes with one name: ``FormFields`` would keep only one of them.
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted_form)]


def log_url(meeting: Meeting) -> str:
    return f"/meetings/{meeting.id}/log"


def _entry(form: FormData) -> logs.LogEntry:
    attendance: dict[int, str] = {}
    for key, value in form.multi_items():
        prefix, _, pupil_id = key.partition("_")
        if prefix == "attendance" and pupil_id.isdecimal() and isinstance(value, str):
            attendance[int(pupil_id)] = value
    return logs.LogEntry(
        attendance=attendance,
        topics=[value for value in form.getlist("topic") if isinstance(value, str)],
        summary=str(form.get("summary") or ""),
        needs_follow_up=form.get("needs_follow_up") == "1",
        priority=str(form.get("priority") or ""),
        reason=str(form.get("reason") or ""),
    )


def _entry_values(entry: logs.LogEntry) -> dict[str, Any]:
    return {
        "attendance": dict(entry.attendance),
        "topics": entry.topics,
        "summary": without_control_characters(entry.summary),
        "needs_follow_up": entry.needs_follow_up,
        "priority": entry.priority,
        "reason": without_control_characters(entry.reason),
    }


def _saved_values(meeting: Meeting) -> dict[str, Any]:
    log = meeting.log
    attendance = {
        p.pupil_id: p.attendance.value
        for p in meeting.participants
        if p.attendance is not Attendance.UNKNOWN
    }
    if log is None:
        return {"attendance": attendance, "topics": [], "summary": "", "priority": ""}
    return {
        "attendance": attendance,
        "topics": list(log.topics or []),
        "summary": log.summary,
        "needs_follow_up": log.needs_follow_up,
        "priority": log.follow_up_priority.value if log.follow_up_priority else "",
        "reason": log.follow_up_reason or "",
    }


def _form_page(
    request: Request,
    db: SessionDep,
    meeting: Meeting,
    values: Mapping[str, Any],
    errors: Mapping[str, object],
    *,
    status_code: int = 200,
    form_error: object | None = None,
) -> Response:
    context = {
        "meeting": meeting,
        "log": meeting.log,
        "editable_until": logs.editable_until(meeting.log) if meeting.log else None,
        "topics": active_topics(db),
        "retired_topics": [
            t for t in log_reading.topics_named(db, values.get("topics", [])) if not t.active
        ],
        "attendance_choices": [(a.value, ATTENDANCE_LABELS[a]) for a in logs.LOGGED_ATTENDANCE],
        "priority_choices": list(PRIORITY_LABELS.items()),
        "attendance_field": logs.attendance_field,
        "summary_max_length": logs.SUMMARY_MAX_LENGTH,
        "reason_max_length": logs.REASON_MAX_LENGTH,
        "edit_days": logs.EDIT_DAYS,
        "values": values,
        "errors": errors,
        "form_error": form_error,
    }
    return render(request, "meetings/log.html", context, status_code=status_code)


def _view_page(
    request: Request,
    db: SessionDep,
    meeting: Meeting,
    access: log_reading.Access,
    *,
    notice: object | None = None,
    status_code: int = 200,
    resolve_form: flag_resolution.ResolveForm | None = None,
) -> Response:
    log = meeting.log
    shows_log = access is not log_reading.Access.ATTENDANCE and log is not None
    # The follow-up flag's resolution (mentor/meetings/flag_resolution.py): counsellors only.
    reader = access is log_reading.Access.READER
    context = {
        "meeting": meeting,
        "log": log if shows_log else None,
        "logged": log is not None,
        "access": access.value,
        "topics": log_reading.topics_named(db, log.topics or []) if shows_log and log else [],
        "attendance_labels": ATTENDANCE_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "helped_labels": HELPFULNESS_LABELS,
        "pupil_names": {p.pupil_id: p.pupil.first_name for p in meeting.participants},
        "feedback": (
            feedback.meeting_feedback(db, meeting=meeting)
            if access is log_reading.Access.READER
            else []
        ),
        "notice": notice,
        # A reader is a counsellor of the meeting's school: the one who may resolve the flag.
        "may_resolve": reader,
        "resolved_by": flag_resolution.resolver_name(db, log=log) if reader else None,
        "resolve_form": resolve_form or flag_resolution.ResolveForm(),
        "resolution_max_length": flag_resolution.NOTE_MAX_LENGTH,
    }
    return render(request, "meetings/log_view.html", context, status_code=status_code)


@router.get("/{meeting_id:int}/log")
def log_page(
    request: Request, db: SessionDep, clock: ClockDep, user: LogReader, meeting_id: int
) -> Response:
    meeting = log_reading.load_meeting(db, user=user, meeting_id=meeting_id)
    access = log_reading.log_access(db, user=user, meeting=meeting)
    if access is log_reading.Access.AUTHOR:
        problem = logs.refusal(meeting, clock())
        if problem is None:
            return _form_page(request, db, meeting, _saved_values(meeting), {})
        return _view_page(request, db, meeting, access, notice=problem)
    response = _view_page(request, db, meeting, access)
    commit_view(db, lambda: log_reading.record_read(db, actor=user, meeting=meeting))
    return response


@router.post("/{meeting_id:int}/log")
def save_log(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    user: Ambassador,
    meeting_id: int,
    form: PostedForm,
) -> Response:
    meeting = log_reading.load_meeting(db, user=user, meeting_id=meeting_id)
    entry = _entry(form)
    try:
        texts = {"summary": entry.summary, "reason": entry.reason if entry.needs_follow_up else ""}
        refuse_control_characters(texts, *texts)
        logs.save_log(db, actor=user, meeting=meeting, entry=entry, now=clock(), settings=settings)
    except InvalidInput as error:
        db.rollback()
        meeting = log_reading.load_meeting(db, user=user, meeting_id=meeting_id)
        return _form_page(
            request, db, meeting, _entry_values(entry), error.field_errors, status_code=422
        )
    except logs.LogRefused as error:
        db.rollback()
        meeting = log_reading.load_meeting(db, user=user, meeting_id=meeting_id)
        return _view_page(
            request,
            db,
            meeting,
            log_reading.Access.AUTHOR,
            notice=error.message,
            status_code=error.status_code,
        )
    db.commit()
    flash.add(request, "saved")
    return redirect(request, log_url(meeting))
