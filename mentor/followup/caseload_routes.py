"""Caseloads per school and class, and the counsellor's check-ins with ambassadors.

The caseload is for counsellors (their schools) and coordinators (their own school): counts only,
no pupil. Check-ins are the counsellors' own work: the list names pupils and ambassadors and shows
the counsellors' notes, so coordinators and ambassadors never reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.ambassadors.certificate_routes import parse_day
from mentor.errors import InvalidInput
from mentor.followup import caseload, check_ins
from mentor.followup.queue_pages import (
    PAGE_SIZE,
    SORT_OPTIONS,
    QueueFilters,
    Sort,
    parse_filters,
)
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import CheckInChannel, User
from mentor.organisations.service import schools_of_counsellor
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, allowed
from mentor.web.forms import FormFields, refuse_bad_text
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_enrol = allowed(Permission.ENROL_PUPILS)
Staff = Annotated[User, Depends(_may_enrol)]
_may_follow_up = allowed(Permission.FOLLOW_UP)
Counsellor = Annotated[User, Depends(_may_follow_up)]
router = APIRouter(prefix="/followup")

CHECK_INS_PATH = "/followup/check-ins"

CHANNEL_LABELS: Mapping[CheckInChannel, LazyText] = {
    CheckInChannel.PHONE: lazy_gettext("Phone"),
    CheckInChannel.EMAIL: lazy_gettext("E-mail"),
    CheckInChannel.MEETING: lazy_gettext("In person"),
    CheckInChannel.MESSAGE: lazy_gettext("Message"),
    CheckInChannel.OTHER: lazy_gettext("Other"),
}


@router.get("/caseload", dependencies=[Depends(_may_enrol)])
def caseload_page(request: Request, db: SessionDep, user: Staff, clock: ClockDep) -> Response:
    schools = caseload.caseload(db, user, reuse_at=clock())
    context = {"schools": schools, "total": caseload.grand_total(schools)}
    return render(request, "followup/caseload.html", context)


def _check_ins_page(
    request: Request,
    db: SessionDep,
    user: User,
    *,
    now: Any,
    values: dict[str, str],
    errors: dict[str, Any] | None = None,
) -> Response:
    filters = parse_filters(request.query_params)
    overview = check_ins.overview(db, user, now=now, search=filters.q, school_id=filters.school_id)
    ordered = list(overview.matches)
    if filters.sort is Sort.NEWEST:
        ordered.reverse()
    elif filters.sort is Sort.NAME:
        ordered.sort(key=lambda item: (item.pupil_name, item.match_id))
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(filters.page, pages)
    near = range(max(1, page - 2), min(pages, page + 2) + 1)
    context = {
        "overview": overview,
        "shown": ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "filters": filters,
        "schools": schools_of_counsellor(db, counsellor_id=user.id),
        "sorts": SORT_OPTIONS,
        "page": page,
        "pages": pages,
        "page_links": [
            (number, _list_url(filters, page=number)) for number in sorted({1, pages, *near})
        ],
        "values": values,
        "errors": errors or {},
        "channel_options": [(key.value, str(label)) for key, label in CHANNEL_LABELS.items()],
        "channel_labels": CHANNEL_LABELS,
        "match_options": [
            (str(item.match_id), f"{item.pupil_name} ({item.school}) – {item.ambassador_name}")
            for item in sorted(overview.matches, key=lambda item: item.pupil_name)
        ],
        "plan": overview.plan,
    }
    return render(
        request,
        "followup/check_ins.html",
        context,
        status_code=422 if errors else 200,
    )


def _list_url(filters: QueueFilters, **changes: object) -> str:
    params = filters.params(**changes)
    return "/followup/check-ins" + (f"?{urlencode(params)}" if params else "")


@router.get("/check-ins", dependencies=[Depends(_may_follow_up)])
def check_ins_page(request: Request, db: SessionDep, clock: ClockDep, user: Counsellor) -> Response:
    now = clock()
    values = {"date": check_ins.local_day(now).isoformat(), "channel": "phone"}
    match_id = request.query_params.get("match_id", "")
    if match_id.isdigit() and len(match_id) < 12:
        values["match_id"] = match_id
    return _check_ins_page(request, db, user, now=now, values=values)


def _match_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


@router.post("/check-ins", dependencies=[Depends(_may_follow_up)])
def record_check_in(
    request: Request, db: SessionDep, clock: ClockDep, user: Counsellor, fields: FormFields
) -> Response:
    now = clock()
    try:
        refuse_bad_text(fields, "note")
        check_ins.record_check_in(
            db,
            actor=user,
            match_id=_match_id(fields.get("match_id")),
            day=parse_day(fields.get("date")),
            channel=fields.get("channel"),
            note=fields.get("note"),
            now=now,
        )
    except InvalidInput as error:
        db.rollback()
        kept = {
            key: (fields.get(key) or "").replace("\x00", "")[: check_ins.NOTE_MAX + 100]
            for key in ("match_id", "date", "channel", "note")
        }
        return _check_ins_page(request, db, user, now=now, values=kept, errors=error.field_errors)
    db.commit()
    flash.add(request, "saved")
    return redirect(request, CHECK_INS_PATH)
