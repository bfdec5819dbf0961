"""The counsellor's re-match queue: ``GET /followup/rematch``."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.followup.queue_pages import SORT_OPTIONS, QueueFilters, Sort, parse_filters
from mentor.matches import rematch
from mentor.matches.closing import CLOSE_REASON_LABELS
from mentor.models import User
from mentor.organisations.service import schools_of_counsellor
from mentor.policy import Permission
from mentor.web.deps import SessionDep, SettingsDep, allowed
from mentor.web.templating import render

Counsellor = Annotated[User, Depends(allowed(Permission.FOLLOW_UP))]
router = APIRouter()

URL = "/followup/rematch"


def _page_number(value: str | None) -> int:
    # A hand-made ?page=abc or ?page=99999999999 is page 1 or the last page, never an error.
    if value is None or not value.isdecimal() or len(value) > 9:
        return 1
    return int(value)


def _url(filters: QueueFilters, **changes: object) -> str:
    params = filters.params(**changes)
    return URL + (f"?{urlencode(params)}" if params else "")


@router.get(URL)
def rematch_page(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor
) -> Response:
    # The same search, school, order and page in the URL as the dashboard's other lists.
    filters = parse_filters(request.query_params)
    page = rematch.queue_page(
        db,
        user=user,
        page=_page_number(request.query_params.get("page")),
        buffer_days=settings.rematch_buffer_days,
        search=filters.q,
        school_id=filters.school_id,
        newest_first=filters.sort is Sort.NEWEST,
        by_name=filters.sort is Sort.NAME,
    )
    context = {
        "queue": page,
        "filters": filters,
        "schools": schools_of_counsellor(db, counsellor_id=user.id),
        "sorts": SORT_OPTIONS,
        "reason_labels": CLOSE_REASON_LABELS,
        "buffer_days": settings.rematch_buffer_days,
        "previous_url": _url(filters, page=page.page - 1) if page.page > 1 else None,
        "next_url": _url(filters, page=page.page + 1) if page.page < page.pages else None,
    }
    return render(request, "followup/rematch.html", context)
