"""A counsellor resolves a meeting log's follow-up flag with a note (on the log's read view)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import Conflict, InvalidInput
from mentor.meetings import flag_resolution, log_reading
from mentor.meetings.log_routes import _view_page, log_url
from mentor.models import User
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import FormFields, refuse_control_characters
from mentor.web.responses import redirect

Counsellor = Annotated[User, Depends(allowed(Permission.FOLLOW_UP))]
router = APIRouter(prefix="/meetings")


@router.post("/{meeting_id:int}/log/resolve")
def resolve_flag(
    request: Request,
    db: SessionDep,
    clock: ClockDep,
    user: Counsellor,
    meeting_id: int,
    fields: FormFields,
) -> Response:
    meeting = log_reading.load_meeting(db, user=user, meeting_id=meeting_id)
    note = fields.get("resolution", "")
    try:
        refuse_control_characters(fields, "resolution")
        flag_resolution.resolve_flag(db, actor=user, meeting=meeting, note=note, now=clock())
    except (InvalidInput, Conflict) as error:
        db.rollback()
        meeting = log_reading.load_meeting(db, user=user, meeting_id=meeting_id)
        if isinstance(error, InvalidInput):
            form = flag_resolution.ResolveForm(
                values={"resolution": note.replace("\x00", "")}, errors=error.field_errors
            )
            return _view_page(
                request,
                db,
                meeting,
                log_reading.Access.READER,
                resolve_form=form,
                status_code=422,
            )
        return _view_page(
            request,
            db,
            meeting,
            log_reading.Access.READER,
            notice=error.message,
            status_code=error.status_code,
        )
    db.commit()
    flash.add(request, "saved")
    return redirect(request, log_url(meeting))
