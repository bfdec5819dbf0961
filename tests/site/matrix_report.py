"""Authorization-matrix entries for the annual report (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.models import Role
from tests.site.matrix_roles import ANONYMOUS, Outcome

# Counsellors for their caseload; the programme's owner for the whole municipality (aggregates
# only, no pupil named); coordinators and ambassadors not at all.
REPORT_READERS = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.ALLOW,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.DENY,
    Role.AMBASSADOR.value: Outcome.DENY,
}

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/followup/report"): REPORT_READERS,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
