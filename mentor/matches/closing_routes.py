"""A counsellor ends a pupil's match with a reason (the form is on the pupil page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import Response

from mentor.errors import InvalidInput, NotFound
from mentor.matches import exit_questions, service
from mentor.matches.closing import EndForm
from mentor.models import CloseReason, Match, MatchState, User
from mentor.policy import Permission
from mentor.pupils.deps import VisiblePupil
from mentor.pupils.routes import pupil_url, render_pupil_page
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, refuse_bad_text
from mentor.web.responses import redirect

# Following up a pupil's matches is the counsellors' work; coordinators only see the history.
_may_follow_up = allowed(Permission.FOLLOW_UP)
Counsellor = Annotated[User, Depends(_may_follow_up)]
router = APIRouter(prefix="/pupils", dependencies=[Depends(_may_follow_up)])


def _pupils_match(match_id: int, db: SessionDep, pupil: VisiblePupil) -> Match:
    """A match of this pupil's; another pupil's match id is a 404 (not even confirmed to exist)."""
    match = db.scalar(select(Match).where(Match.id == match_id, Match.pupil_id == pupil.id))
    if match is None:
        raise NotFound()
    return match


PupilsMatch = Annotated[Match, Depends(_pupils_match)]


def _close_reason(value: str | None) -> CloseReason | None:
    try:
        return CloseReason((value or "").strip())
    except ValueError:
        return None


@router.post("/{pupil_id:int}/matches/{match_id:int}/end")
def end_match(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: Counsellor,
    pupil: VisiblePupil,
    match: PupilsMatch,
    fields: FormFields,
    clock: ClockDep,
) -> Response:
    try:
        refuse_bad_text(fields, "note")
        ended = service.end_match(
            db,
            actor=user,
            match=match,
            reason=_close_reason(fields.get("reason")),
            note=fields.get("note"),
            now=clock(),
        )
    except InvalidInput as error:
        db.rollback()
        kept = {
            "reason": fields.get("reason", ""),
            "note": fields.get("note", ""),
            "ask_pupil": fields.get("ask_pupil", ""),
            "ask_ambassador": fields.get("ask_ambassador", ""),
        }
        form = EndForm(values=kept, errors=error.field_errors)
        return render_pupil_page(request, db, user, pupil, end_form=form, status_code=422)
    # The optional exit questions (mentor/matches/exit_questions.py): only a closed match.
    exit_questions.ask(
        db,
        actor=user,
        match=ended,
        ask_pupil=fields.get("ask_pupil") == "1",
        ask_ambassador=fields.get("ask_ambassador") == "1",
        now=ended.closed_at or clock(),
        settings=settings,
    )
    db.commit()
    if ended.state is MatchState.WITHDRAWN:
        flash.add(request, "proposal_withdrawn")
    else:
        flash.add(request, "match_ended", days=str(settings.rematch_buffer_days))
    return redirect(request, pupil_url(pupil))
