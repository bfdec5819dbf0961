"""The annual report: one printable page per school year with the programme's figures.

Counsellors see the schools of their caseload; the programme's owner (admin) sees the whole
municipality. The page holds aggregates only, no pupil's name (``policy.report_school_ids``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.followup.report import annual_report, parse_year, years_offered
from mentor.followup.snapshots import figures_for_report
from mentor.models import Role, User
from mentor.policy import Permission, report_school_ids
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.templating import render

PAGE_PATH = "/followup/report"
_may_read = allowed(Permission.VIEW_ANNUAL_REPORT)
Reader = Annotated[User, Depends(_may_read)]
router = APIRouter(prefix=PAGE_PATH, dependencies=[Depends(_may_read)])


@router.get("")
def report(
    request: Request, db: SessionDep, clock: ClockDep, user: Reader, year: str | None = None
) -> Response:
    now = clock()
    school_year, replaced = parse_year(year, now=now)
    figures = figures_for_report(db, report_school_ids(user), school_year)
    context = {
        "report": annual_report(figures),
        "years": years_offered(now),
        "year_replaced": replaced,
        "municipality_wide": user.role is Role.ADMIN,
    }
    return render(request, "followup/report.html", context)
