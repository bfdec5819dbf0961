"""A counsellor writes a note on a pupil (the "Notes" section of the pupil page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import InvalidInput
from mentor.matches.closing import EndForm
from mentor.models import User
from mentor.policy import Permission
from mentor.pupils import notes
from mentor.pupils.deps import VisiblePupil
from mentor.pupils.routes import pupil_url, render_pupil_page
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import FormFields, refuse_control_characters
from mentor.web.responses import redirect

_may_write_notes = allowed(Permission.WRITE_NOTES)
Counsellor = Annotated[User, Depends(_may_write_notes)]
router = APIRouter(prefix="/pupils", dependencies=[Depends(_may_write_notes)])


@router.post("/{pupil_id:int}/notes")
def add_note(
    request: Request,
    db: SessionDep,
    user: Counsellor,
    pupil: VisiblePupil,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    body = fields.get("body", "")
    try:
        refuse_control_characters(fields, "body")
        notes.add_note(db, actor=user, pupil=pupil, body=body, now=clock())
    except InvalidInput as error:
        db.rollback()
        form = EndForm(values={"body": body.replace("\x00", "")}, errors=error.field_errors)
        return render_pupil_page(request, db, user, pupil, note_form=form, status_code=422)
    db.commit()
    flash.add(request, "saved")
    return redirect(request, f"{pupil_url(pupil)}#notes-heading")
