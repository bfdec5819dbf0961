"""Authorization-matrix entries for the school calendar and meeting topics (admin pages)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_calendar_entry, make_meeting_topic
from tests.site.matrix_roles import ADMIN_ONLY, Outcome

# Reference data for scheduling: the programme's owner keeps it, like the other catalogues.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/admin/calendar"): ADMIN_ONLY,
    ("GET", "/admin/calendar/new"): ADMIN_ONLY,
    ("POST", "/admin/calendar/new"): ADMIN_ONLY,
    ("GET", "/admin/calendar/{entry_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/calendar/{entry_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/calendar/{entry_id:int}/delete"): ADMIN_ONLY,
    ("GET", "/admin/topics"): ADMIN_ONLY,
    ("GET", "/admin/topics/new"): ADMIN_ONLY,
    ("POST", "/admin/topics/new"): ADMIN_ONLY,
    ("GET", "/admin/topics/{topic_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/topics/{topic_id:int}"): ADMIN_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "entry_id": lambda db: str(make_calendar_entry(db).id),
    "topic_id": lambda db: str(make_meeting_topic(db).id),
}
