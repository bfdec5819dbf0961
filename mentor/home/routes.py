"""The front page: a landing page for visitors, a home page per role once logged in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mentor.ambassadors.readiness import profile_gaps
from mentor.home.cards import home_cards
from mentor.models import Role
from mentor.organisations.service import schools_of_counsellor
from mentor.web.deps import ClockDep, OptionalUser, SessionDep, SettingsDep
from mentor.web.templating import render

router = APIRouter()


@router.get("/")
def home(
    request: Request, user: OptionalUser, db: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    if user is None:
        return render(request, "home/landing.html")
    # The role's own counts and next actions, as cards that link to the lists behind them.
    context: dict[str, Any] = {
        "count_cards": home_cards(db, user=user, now=clock(), settings=settings)
    }
    if user.role is Role.COUNSELLOR:
        context["current_user_schools"] = schools_of_counsellor(db, counsellor_id=user.id)
    if user.role is Role.AMBASSADOR:
        context["profile_gaps"] = profile_gaps(db, user_id=user.id)
    return render(request, f"home/{user.role.value}.html", context)


@router.get("/accessibility")
def accessibility(request: Request) -> Response:
    """How the product meets WCAG 2.1 AA, and where the municipality's statement is; public."""
    return render(request, "home/accessibility.html")
