"""Authorization-matrix entries for the calendar files and the account page."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_meeting
from tests.site.matrix_roles import ANONYMOUS, PUBLIC, ROLES, Outcome

# The people who take part in meetings (Permission.CALENDAR_FEED); admins do no casework.
MEETING_PEOPLE = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.ALLOW,
    Role.AMBASSADOR.value: Outcome.ALLOW,
}
EVERY_USER = {role: Outcome.LOGIN if role == ANONYMOUS else Outcome.ALLOW for role in ROLES}

# "meeting_id" is a meeting at a school none of the matrix's users belongs to: the roles that
# pass the policy then get a 404 (tests/meetings/test_calendar_routes.py). The feed is public:
# its token is the key, and a made-up one is a 404 for everyone.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/meetings/{meeting_id:int}.ics"): MEETING_PEOPLE,
    ("GET", "/calendar/{token}.ics"): PUBLIC,
    ("GET", "/account"): EVERY_USER,
    ("POST", "/account/calendar/renew"): MEETING_PEOPLE,
    ("POST", "/account/calendar/revoke"): MEETING_PEOPLE,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "meeting_id": lambda db: str(make_meeting(db).id),
}
