"""The front page: a landing page for visitors, a home page per role once logged in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mentor.matches import handoff
from mentor.meetings.views import waiting_for_school_count
from mentor.models import Role
from mentor.organisations.service import schools_of_counsellor
from mentor.web.deps import ClockDep, OptionalUser, SessionDep
from mentor.web.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, user: OptionalUser, db: SessionDep, clock: ClockDep) -> Response:
    if user is None:
        return render(request, "home/landing.html")
    context: dict[str, Any] = {}
    if user.role is Role.COUNSELLOR:
        context["current_user_schools"] = schools_of_counsellor(db, counsellor_id=user.id)
        context["recently_accepted"] = handoff.recently_accepted_count(db, user, now=clock())
        context["recent_days"] = handoff.RECENT_DAYS
    if user.role is Role.COORDINATOR:
        context["to_hand_over"] = handoff.waiting_count(db, user)
        context["to_confirm"] = waiting_for_school_count(db, user, now=clock())
    return render(request, f"home/{user.role.value}.html", context)


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    """How the product meets WCAG 2.1 AA, and where the municipality's statement is; public."""
    return render(request, "home/accessibility.html")
