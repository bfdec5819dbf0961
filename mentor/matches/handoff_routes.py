"""The school passes new matches on to its pupils: the list, a printable note, "handed over".

Coordinators use it for their school; counsellors may open it too, for the schools of their
caseload (the same scope as enrolment). Another school's match answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.i18n import LOCALES, get_locale, using_locale
from mentor.matches import handoff
from mentor.models import User
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_enrol = allowed(Permission.ENROL_PUPILS)
Staff = Annotated[User, Depends(_may_enrol)]
router = APIRouter(prefix=handoff.PAGE_PATH, dependencies=[Depends(_may_enrol)])


@router.get("")
def new_matches(request: Request, db: SessionDep, clock: ClockDep, user: Staff) -> Response:
    locale = get_locale()
    waiting = handoff.to_hand_over(db, user, locale=locale)
    context: dict[str, Any] = {
        "waiting": waiting,
        "waiting_total": (
            handoff.waiting_count(db, user) if len(waiting) >= handoff.LIST_LIMIT else len(waiting)
        ),
        "handed_over": handoff.recently_handed_over(db, user, now=clock(), locale=locale),
        "recent_days": handoff.RECENT_DAYS,
    }
    return render(request, "school/matches.html", context, block="matches")


@router.get("/{match_id:int}/note")
def note(
    request: Request, db: SessionDep, user: Staff, match_id: int, lang: str | None = None
) -> Response:
    # The UI's language unless the coordinator prints it in the other one for a family.
    note_locale = lang if lang in LOCALES else get_locale()
    with using_locale(note_locale):
        item = handoff.handoff(db, user, match_id, locale=note_locale)
        contacts = handoff.school_coordinators(db, [item.school_id]).get(item.school_id, [])
        context = {"item": item, "contacts": contacts, "note_locale": note_locale}
        return render(request, "school/match_note.html", context)


@router.post("/{match_id:int}/handed-over")
def handed_over(
    request: Request, db: SessionDep, clock: ClockDep, user: Staff, match_id: int
) -> Response:
    handoff.mark_handed_over(db, actor=user, match_id=match_id, now=clock())
    db.commit()
    flash.add(request, "match_handed_over")
    return redirect(request, handoff.PAGE_PATH)
