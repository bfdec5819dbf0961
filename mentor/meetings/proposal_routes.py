"""The ambassador's own meetings and the proposal form.

``/ambassador/meetings`` lists the ambassador's meetings; ``/ambassador/meetings/new`` proposes
one, with the next free times as links that fill the form, so it works without JavaScript.
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

from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE, LazyText
from mentor.meetings import booking
from mentor.meetings.forms import (
    DEFAULT_MINUTES,
    LENGTHS,
    length_options,
    meeting_request,
    minutes_from,
)
from mentor.meetings.labels import KIND_LABELS, PLACE_LABELS
from mentor.meetings.rules import load_frame, suggestions
from mentor.meetings.views import (
    Mentee,
    meeting_views,
    mentees,
    own_meetings,
    split,
)
from mentor.models import (
    Ambassador,
    Match,
    MeetingState,
    Organisation,
    Pupil,
    User,
)
from mentor.policy import (
    Permission,
)
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_mentor = allowed(Permission.MENTOR)
Mentor = Annotated[User, Depends(_may_mentor)]
router = APIRouter(prefix="/ambassador/meetings", dependencies=[Depends(_may_mentor)])


def _own_ambassador(db: SessionDep, user: Mentor) -> Ambassador:
    ambassador = db.scalar(select(Ambassador).where(Ambassador.user_id == user.id))
    if ambassador is None:
        raise NotFound()
    return ambassador


OwnAmbassador = Annotated[Ambassador, Depends(_own_ambassador)]


def _options(labels: Mapping[Any, LazyText]) -> list[tuple[str, str]]:
    return [(key.value, str(label)) for key, label in labels.items()]


# The ambassador's own meetings and the proposal form


@router.get("")
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
        "length_options": length_options(),
        "minutes": minutes,
        "suggestions": _suggested(db, ambassador, chosen, offered, minutes, now),
    }
    return render(request, "meetings/new.html", context, status_code=status_code)


@router.get("/new")
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


@router.post("/new")
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
