"""The counsellor's dashboard: every queue with its count and oldest entry, and each queue's
list, paginated, sortable and searchable with its filters in the URL. The admin sets the
thresholds."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mentor.errors import NotFound
from mentor.followup.queue_counts import dashboard_counts
from mentor.followup.queue_pages import (
    SORT_OPTIONS,
    QueueFilters,
    QueueRow,
    parse_filters,
    queue_page,
)
from mentor.followup.queues import (
    MAX_DAYS,
    Link,
    QueueKey,
    Thresholds,
    queue_label,
    save_thresholds,
    thresholds,
)
from mentor.followup.school_year import deadline_nudges
from mentor.i18n import lazy_gettext
from mentor.matches import rematch
from mentor.meetings.labels import PRIORITY_LABELS
from mentor.models import ConsentState, FollowUpPriority, User
from mentor.organisations.service import schools_of_counsellor
from mentor.policy import Permission
from mentor.pupils.forms import CONSENT_STATE_LABELS
from mentor.web import flash
from mentor.web.deps import ClockDep, SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields
from mentor.web.responses import redirect
from mentor.web.templating import render

Counsellor = Annotated[User, Depends(allowed(Permission.FOLLOW_UP))]
router = APIRouter(prefix="/followup", dependencies=[Depends(allowed(Permission.FOLLOW_UP))])
admin_router = APIRouter(
    prefix="/admin/follow-up", dependencies=[Depends(allowed(Permission.MANAGE_CATALOGUE))]
)

DASHBOARD_URL = "/followup"


@router.get("")
def dashboard(
    request: Request, db: SessionDep, settings: SettingsDep, user: Counsellor, clock: ClockDep
) -> Response:
    now = clock()
    counted = dashboard_counts(db, user=user, now=now, settings=settings)
    context = {
        "queues": counted.queues,
        "nudges": deadline_nudges(db, user=user, now=now),
        "rematch": rematch.waiting(db, user=user),
        "thresholds": counted.thresholds,
        "flags": [
            (str(PRIORITY_LABELS[priority]), *counted.flags.get(priority.value, (0, 0)))
            for priority in (FollowUpPriority.HIGH, FollowUpPriority.NORMAL, FollowUpPriority.LOW)
        ],
        "now": now,
    }
    return render(request, "followup/dashboard.html", context)


def _detail(key: QueueKey, row: QueueRow) -> str:
    if row.detail is None:
        return ""
    if key is QueueKey.NO_CONSENT:
        return str(CONSENT_STATE_LABELS[ConsentState(row.detail)])
    if key is QueueKey.FLAGS:
        return str(PRIORITY_LABELS[FollowUpPriority(row.detail)])
    if key is QueueKey.UNMATCHED:
        return str(lazy_gettext("Grade %(grade)s", grade=row.detail))
    if key is QueueKey.LOW_FEEDBACK:
        return str(lazy_gettext("Rating %(rating)s", rating=row.detail))
    return row.detail


ACTION_LABELS = {
    Link.MEETING: lazy_gettext("See the meeting"),
    Link.LOG: lazy_gettext("See the log"),
}


def _href(row: QueueRow) -> str | None:
    return {
        Link.PUPIL: f"/pupils/{row.link_id}",
        Link.MEETING: f"/meetings/{row.link_id}",
        Link.LOG: f"/meetings/{row.link_id}/log",
        Link.NONE: None,
    }[row.link]


def _days(since: datetime | None, now: datetime) -> int | None:
    return None if since is None else max(0, (now - since).days)


def _url(key: QueueKey, filters: QueueFilters, **changes: object) -> str:
    params = filters.params(**changes)
    return f"{DASHBOARD_URL}/queues/{key.value}" + (f"?{urlencode(params)}" if params else "")


@router.get("/queues/{key}")
def queue_list(
    request: Request,
    key: str,
    db: SessionDep,
    settings: SettingsDep,
    user: Counsellor,
    clock: ClockDep,
) -> Response:
    try:
        queue = QueueKey(key)
    except ValueError:
        raise NotFound() from None
    now = clock()
    filters = parse_filters(request.query_params)
    result = queue_page(db, user=user, key=queue, filters=filters, now=now, settings=settings)
    chosen = thresholds(db)
    red_before = now - timedelta(days=chosen.flag_red_days)
    near = range(max(1, result.page - 2), min(result.pages, result.page + 2) + 1)
    context = {
        "key": queue,
        "title": queue_label(queue, chosen),
        "filters": filters,
        "result": result,
        "rows": [
            {
                "name": row.name,
                "school": row.school,
                "since": row.since,
                "days": _days(row.since, now),
                "detail": _detail(queue, row),
                # The name leads to the pupil (the timeline); the detail to what needs doing.
                "href": f"/pupils/{row.pupil_id}" if row.pupil_id else _href(row),
                "action": _href(row) if row.link in (Link.MEETING, Link.LOG) else None,
                "action_label": ACTION_LABELS.get(row.link),
                "red": queue is QueueKey.FLAGS
                and row.since is not None
                and row.since <= red_before,
            }
            for row in result.rows
        ],
        "schools": schools_of_counsellor(db, counsellor_id=user.id),
        "sorts": SORT_OPTIONS,
        "page_links": [
            (number, _url(queue, filters, page=number))
            for number in sorted({1, result.pages, *near})
        ],
        "sort_url": lambda sort: _url(queue, filters, sort=sort, page=1),
    }
    return render(request, "followup/queue.html", context)


# The admin's thresholds

THRESHOLD_LABELS = {
    "proposal_days": lazy_gettext("A proposal is waiting too long after (days)"),
    "first_meeting_days": lazy_gettext("A match has no meeting too long after the yes (days)"),
    "log_days": lazy_gettext("A meeting is not logged too long after it ended (days)"),
    "flag_red_days": lazy_gettext("An unresolved follow-up flag turns red after (days)"),
    "low_feedback_days": lazy_gettext("Low feedback is shown for (days)"),
}


def _settings_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, object],
    status_code: int = 200,
) -> Response:
    context = {
        "fields": [(name, THRESHOLD_LABELS[name]) for name in Thresholds.names()],
        "values": values,
        "errors": errors,
        "max_days": MAX_DAYS,
    }
    return render(request, "followup/settings.html", context, status_code=status_code)


@admin_router.get("")
def settings_page(request: Request, db: SessionDep) -> Response:
    current = {name: str(value) for name, value in asdict(thresholds(db)).items()}
    return _settings_page(request, current, {})


@admin_router.post("")
def save_settings(
    request: Request,
    db: SessionDep,
    user: Annotated[User, Depends(allowed(Permission.MANAGE_CATALOGUE))],
    fields: FormFields,
) -> Response:
    values = {name: fields.get(name, "").strip() for name in Thresholds.names()}
    errors: dict[str, object] = {}
    chosen: dict[str, int] = {}
    for name, value in values.items():
        if not value.isdigit() or len(value) > 3 or not 0 <= int(value) <= MAX_DAYS:
            errors[name] = lazy_gettext(
                "Enter a whole number of days from 0 to %(max)s.", max=MAX_DAYS
            )
        else:
            chosen[name] = int(value)
    if errors:
        return _settings_page(request, values, errors, status_code=422)
    save_thresholds(db, actor=user, chosen=Thresholds(**chosen))
    db.commit()
    flash.add(request, "saved")
    return redirect(request, "/admin/follow-up")
