"""One meeting for everyone the policy lets see it, and the school's list of meetings.

``/meetings/{id}`` shows the meeting with the actions each reader may take: the ambassador moves
or cancels it, the school's coordinator confirms or declines it. ``/school/meetings`` lists the
meetings of a coordinator's school or a counsellor's schools, those waiting for an answer first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.config import Settings
from mentor.errors import Conflict, Forbidden, InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE
from mentor.meetings import booking
from mentor.meetings.forms import (
    length_options,
    minutes_from,
    start_from,
)
from mentor.meetings.views import (
    meeting_views,
    school_meetings,
    split,
)
from mentor.models import (
    Meeting,
    MeetingState,
    Role,
    User,
)
from mentor.policy import (
    Permission,
    can_view_meeting,
    counsellor_school_ids,
    enrolment_school_ids,
    has_permission,
    is_meeting_ambassador,
    may_confirm_meeting,
    may_read_meeting_log,
)
from mentor.web import flash
from mentor.web.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, refuse_control_characters
from mentor.web.responses import redirect
from mentor.web.templating import render
from mentor.web.views import commit_view

router = APIRouter(dependencies=[Depends(allowed(Permission.SEE_MEETINGS))])


def _visible_meeting(meeting_id: int, db: SessionDep, user: CurrentUser) -> Meeting:
    """A meeting this user may see; anyone else's is a 404 (not even confirmed to exist)."""
    if not can_view_meeting(db, user, meeting_id):
        raise NotFound()
    return db.get_one(Meeting, meeting_id)


VisibleMeeting = Annotated[Meeting, Depends(_visible_meeting)]


# One meeting, for everyone who may see it


def _meeting_page(
    request: Request,
    db: Session,
    user: User,
    meeting: Meeting,
    now: datetime,
    *,
    errors: Mapping[str, Mapping[str, object]] | None = None,
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    owner = is_meeting_ambassador(db, user, meeting)
    view = meeting_views(db, select(Meeting).where(Meeting.id == meeting.id), full_names=not owner)[
        0
    ]
    changeable = meeting.state in booking.CHANGEABLE_STATES and meeting.starts_at > now
    local = meeting.starts_at.astimezone(LOCAL_TIMEZONE)
    context = {
        "meeting": view,
        "is_owner": owner,
        "may_change": owner and changeable,
        "may_answer": may_confirm_meeting(user, meeting)
        and meeting.state is MeetingState.PENDING
        and meeting.starts_at > now,
        "may_log": owner
        and meeting.starts_at <= now
        and meeting.state
        in (
            MeetingState.SCHEDULED,
            MeetingState.HELD,
            MeetingState.PENDING,
        ),
        "may_read_log": view.logged and may_read_meeting_log(db, user, meeting),
        "started": meeting.starts_at <= now,
        "length_options": length_options(),
        "errors": errors or {},
        "values": values
        or {"date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}", "minutes": str(view.minutes)},
    }
    return render(request, "meetings/meeting.html", context, status_code=status_code)


@router.get("/meetings/{meeting_id:int}")
def meeting_page(
    request: Request, db: SessionDep, user: CurrentUser, meeting: VisibleMeeting, clock: ClockDep
) -> Response:
    response = _meeting_page(request, db, user, meeting, clock())
    commit_view(db, lambda: booking.record_view(db, actor=user, meeting=meeting))
    return response


def _owner(db: Session, user: User, meeting: Meeting) -> None:
    if not is_meeting_ambassador(db, user, meeting):
        raise Forbidden()


def _conflict_page(
    request: Request, db: Session, user: User, meeting: Meeting, now: datetime, error: Conflict
) -> Response:
    db.rollback()
    flash.add(request, "meeting_not_changed", level="error", message=str(error.message))
    return redirect(request, f"/meetings/{meeting.id}")


@router.post("/meetings/{meeting_id:int}/move")
def move(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    meeting: VisibleMeeting,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    _owner(db, user, meeting)
    now = clock()
    starts_at, time_error = start_from(fields)
    try:
        refuse_control_characters(fields, "reason")
        booking.move_meeting(
            db,
            meeting=meeting,
            starts_at=starts_at,
            minutes=minutes_from(fields),
            reason=fields.get("reason"),
            actor=user,
            now=now,
            settings=settings,
            time_error=time_error,
        )
    except InvalidInput as error:
        db.rollback()
        return _meeting_page(
            request,
            db,
            user,
            db.get_one(Meeting, meeting.id),
            now,
            errors={"move": error.field_errors},
            values={**fields, "move_reason": fields.get("reason", "")},
            status_code=422,
        )
    except Conflict as error:
        return _conflict_page(request, db, user, meeting, now, error)
    db.commit()
    flash.add(request, "meeting_moved")
    return redirect(request, f"/meetings/{meeting.id}")


@router.post("/meetings/{meeting_id:int}/cancel")
def cancel(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    meeting: VisibleMeeting,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    _owner(db, user, meeting)
    return _call_off(request, db, settings, user, meeting, fields, clock(), booking.cancel_meeting)


@router.post("/meetings/{meeting_id:int}/confirm")
def confirm(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    meeting: VisibleMeeting,
    clock: ClockDep,
) -> Response:
    if not may_confirm_meeting(user, meeting):
        raise Forbidden()
    now = clock()
    try:
        booking.confirm_meeting(db, meeting=meeting, actor=user, now=now, settings=settings)
    except Conflict as error:
        return _conflict_page(request, db, user, meeting, now, error)
    db.commit()
    flash.add(request, "meeting_confirmed")
    return redirect(request, _back(request, meeting))


@router.post("/meetings/{meeting_id:int}/decline")
def decline(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    meeting: VisibleMeeting,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    if not may_confirm_meeting(user, meeting):
        raise Forbidden()
    return _call_off(request, db, settings, user, meeting, fields, clock(), booking.decline_meeting)


def _back(request: Request, meeting: Meeting) -> str:
    """Back to the school's list when the answer was given there."""
    return SCHOOL_URL if request.query_params.get("from") == "school" else f"/meetings/{meeting.id}"


def _call_off(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    meeting: Meeting,
    fields: Mapping[str, str],
    now: datetime,
    action: Any,
) -> Response:
    """Cancel (the ambassador) or decline (the school), with the reason the form gave."""
    try:
        refuse_control_characters(fields, "reason")
        action(
            db, meeting=meeting, reason=fields.get("reason"), actor=user, now=now, settings=settings
        )
    except InvalidInput as error:
        db.rollback()
        form = "cancel" if action is booking.cancel_meeting else "decline"
        return _meeting_page(
            request,
            db,
            user,
            db.get_one(Meeting, meeting.id),
            now,
            errors={form: error.field_errors},
            values={f"{form}_reason": fields.get("reason", "")},
            status_code=422,
        )
    except Conflict as error:
        return _conflict_page(request, db, user, meeting, now, error)
    db.commit()
    flash.add(
        request, "meeting_cancelled" if action is booking.cancel_meeting else "meeting_declined"
    )
    return redirect(request, _back(request, meeting))


# A school's meetings, for its coordinator and the counsellors who follow it

SCHOOL_URL = "/school/meetings"
_may_see_schools = allowed(Permission.VIEW_SCHOOL_MEETINGS)


@router.get(SCHOOL_URL, dependencies=[Depends(_may_see_schools)])
def school_meetings_page(
    request: Request, db: SessionDep, user: CurrentUser, clock: ClockDep
) -> Response:
    now = clock()
    schools = (
        counsellor_school_ids(user) if user.role is Role.COUNSELLOR else enrolment_school_ids(user)
    )
    views = meeting_views(db, school_meetings(schools, now=now), full_names=True)
    upcoming, past = split(views, now)
    waiting = [view for view in upcoming if view.state is MeetingState.PENDING]
    context = {
        "waiting": waiting,
        "upcoming": [view for view in upcoming if view.state is not MeetingState.PENDING],
        "past": past,
        "may_answer": has_permission(user, Permission.CONFIRM_MEETINGS),
    }
    return render(request, "meetings/school.html", context)
