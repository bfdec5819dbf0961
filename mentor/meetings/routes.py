"""Meeting pages: an ambassador proposes, moves and cancels; the school confirms or declines.

``/ambassador/meetings`` is the ambassador's own list and the proposal form (with the next free
times as links that fill the form, so it works without JavaScript); ``/meetings/{id}`` is one
meeting for everyone the policy lets see it, with the actions each of them may take;
``/school/meetings`` lists the meetings of a coordinator's school or a counsellor's schools.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from mentor.config import Settings
from mentor.errors import Conflict, Forbidden, InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE, LazyText, gettext
from mentor.meetings import booking
from mentor.meetings.forms import (
    DEFAULT_MINUTES,
    LENGTHS,
    meeting_request,
    minutes_from,
    start_from,
)
from mentor.meetings.labels import KIND_LABELS, PLACE_LABELS
from mentor.meetings.rules import load_frame, suggestions
from mentor.meetings.views import (
    Mentee,
    meeting_views,
    mentees,
    own_meetings,
    school_meetings,
    split,
)
from mentor.models import (
    Ambassador,
    Match,
    Meeting,
    MeetingState,
    Organisation,
    Pupil,
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
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_mentor = allowed(Permission.MENTOR)
Mentor = Annotated[User, Depends(_may_mentor)]
ambassador_router = APIRouter(prefix="/ambassador/meetings", dependencies=[Depends(_may_mentor)])
router = APIRouter(dependencies=[Depends(allowed(Permission.SEE_MEETINGS))])

MINE_URL = "/ambassador/meetings"


def _own_ambassador(db: SessionDep, user: Mentor) -> Ambassador:
    ambassador = db.scalar(select(Ambassador).where(Ambassador.user_id == user.id))
    if ambassador is None:
        raise NotFound()
    return ambassador


OwnAmbassador = Annotated[Ambassador, Depends(_own_ambassador)]


def _visible_meeting(meeting_id: int, db: SessionDep, user: CurrentUser) -> Meeting:
    """A meeting this user may see; anyone else's is a 404 (not even confirmed to exist)."""
    if not can_view_meeting(db, user, meeting_id):
        raise NotFound()
    return db.get_one(Meeting, meeting_id)


VisibleMeeting = Annotated[Meeting, Depends(_visible_meeting)]


def _options(labels: Mapping[Any, LazyText]) -> list[tuple[str, str]]:
    return [(key.value, str(label)) for key, label in labels.items()]


def _length_options() -> list[tuple[str, str]]:
    return [(str(length), gettext("%(minutes)s minutes", minutes=length)) for length in LENGTHS]


# The ambassador's own meetings and the proposal form


@ambassador_router.get("")
def my_meetings(
    request: Request, db: SessionDep, ambassador: OwnAmbassador, clock: ClockDep
) -> Response:
    now = clock()
    upcoming, past = split(
        meeting_views(db, own_meetings(ambassador, now=now), full_names=False), now
    )
    return render(request, "meetings/mine.html", {"upcoming": upcoming, "past": past, "now": now})


def _suggested(
    db: Session,
    ambassador: Ambassador,
    chosen: Sequence[Mentee],
    offered: Sequence[Mentee],
    minutes: int,
    now: datetime,
) -> list[dict[str, object]]:
    """The next free times for the chosen mentees (or the ambassador alone, at the first
    mentee's school), each as the query string that fills the form."""
    base = chosen or offered[:1]
    if not base or minutes not in LENGTHS:
        return []
    school = db.get_one(Organisation, base[0].school_id)
    pupil_ids = list(
        db.scalars(
            select(Pupil.id)
            .join(Match, Match.pupil_id == Pupil.id)
            .where(Match.id.in_([mentee.match_id for mentee in chosen]))
        )
    )
    frame = load_frame(
        db,
        ambassador=ambassador,
        school=school,
        pupil_ids=pupil_ids,
        start=now,
        end=now + timedelta(days=30),
    )
    found = []
    for start in suggestions(frame, minutes=minutes, now=now):
        local = start.astimezone(LOCAL_TIMEZONE)
        query = {f"match_{mentee.match_id}": "1" for mentee in chosen}
        query |= {"minutes": str(minutes), "date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}"}
        found.append({"starts_at": start, "query": urlencode(query)})
    return found


def _form_page(
    request: Request,
    db: Session,
    ambassador: Ambassador,
    values: Mapping[str, str],
    now: datetime,
    *,
    errors: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    offered = mentees(db, ambassador)
    chosen_ids = {int(key[6:]) for key in values if key.startswith("match_") and key[6:].isdigit()}
    chosen = [mentee for mentee in offered if mentee.match_id in chosen_ids]
    minutes = minutes_from(values) or DEFAULT_MINUTES
    context = {
        "ambassador": ambassador,
        "mentees": offered,
        "chosen_ids": chosen_ids,
        "values": values,
        # A time's message stands next to the date it concerns.
        "errors": {
            ("date" if key == "starts_at" else key): value for key, value in (errors or {}).items()
        },
        "kind_options": _options(KIND_LABELS),
        "place_options": _options(PLACE_LABELS),
        "length_options": _length_options(),
        "minutes": minutes,
        "suggestions": _suggested(db, ambassador, chosen, offered, minutes, now),
    }
    return render(request, "meetings/new.html", context, status_code=status_code)


@ambassador_router.get("/new")
def new_meeting(
    request: Request, db: SessionDep, ambassador: OwnAmbassador, clock: ClockDep
) -> Response:
    values = dict(request.query_params)
    # "?match=12" from a mentee card preselects that mentee.
    match = values.pop("match", "")
    if match.isdigit() and len(match) <= 18:
        values[f"match_{match}"] = "1"
    values.setdefault("kind", "one_to_one")
    values.setdefault("place", "school")
    return _form_page(request, db, ambassador, values, clock())


@ambassador_router.post("/new")
def propose(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Mentor,
    ambassador: OwnAmbassador,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    now = clock()
    parsed = meeting_request(fields)
    try:
        if parsed.request is None:
            raise InvalidInput(parsed.errors)
        meeting = booking.propose_meeting(
            db,
            ambassador=ambassador,
            request=parsed.request,
            actor=user,
            now=now,
            settings=settings,
        )
    except InvalidInput as error:
        db.rollback()
        return _form_page(
            request, db, ambassador, fields, now, errors=error.field_errors, status_code=422
        )
    pending = meeting.state is MeetingState.PENDING
    db.commit()
    flash.add(request, "meeting_proposed_pending" if pending else "meeting_proposed")
    return redirect(request, f"/meetings/{meeting.id}")


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
        "length_options": _length_options(),
        "errors": errors or {},
        "values": values
        or {"date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}", "minutes": str(view.minutes)},
    }
    return render(request, "meetings/meeting.html", context, status_code=status_code)


@router.get("/meetings/{meeting_id:int}")
def meeting_page(
    request: Request, db: SessionDep, user: CurrentUser, meeting: VisibleMeeting, clock: ClockDep
) -> Response:
    return _meeting_page(request, db, user, meeting, clock())


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
