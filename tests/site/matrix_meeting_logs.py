"""Authorization-matrix entries for meeting logs and pupils' feedback (merged in
authorization_matrix.py).

"meeting_id" (matrix_calendar) is a meeting at a school none of the matrix's users belongs to:
the roles a log can concern get through the policy and then a 404 (tests/meetings/test_logs.py
shows who sees what of a log of their own); an admin, who does no casework, gets a 403. The
feedback form is public: its token is the only key (tests/meetings/test_feedback.py).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_meeting
from tests.site.matrix_roles import AMBASSADOR_ONLY, ANONYMOUS, PUBLIC, Outcome

# The people a meeting's log concerns: its ambassador, the school's counsellors and coordinator.
LOG_PEOPLE = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.ALLOW,
    Role.AMBASSADOR.value: Outcome.ALLOW,
}
# The school's coordinator hands the feedback links out.
COORDINATOR_ONLY = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.DENY,
    Role.COORDINATOR.value: Outcome.ALLOW,
    Role.AMBASSADOR.value: Outcome.DENY,
}

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/meetings/{meeting_id:int}/log"): LOG_PEOPLE,
    ("POST", "/meetings/{meeting_id:int}/log"): AMBASSADOR_ONLY,
    ("GET", "/f/{token}"): PUBLIC,
    ("POST", "/f/{token}"): PUBLIC,
    ("GET", "/feedback/thanks"): PUBLIC,
    ("GET", "/school/feedback"): COORDINATOR_ONLY,
    ("GET", "/ambassador/feedback"): AMBASSADOR_ONLY,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "meeting_id": lambda db: str(make_meeting(db).id),
}
