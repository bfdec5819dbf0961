"""Authorization-matrix entries for the counsellor's dashboard and the admin's thresholds."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_school_year_date
from tests.site.matrix_roles import ADMIN_ONLY, COUNSELLOR_ONLY, Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/followup"): COUNSELLOR_ONLY,
    ("GET", "/followup/queues/{key}"): COUNSELLOR_ONLY,
    ("GET", "/admin/follow-up"): ADMIN_ONLY,
    ("POST", "/admin/follow-up"): ADMIN_ONLY,
    ("GET", "/admin/school-year"): ADMIN_ONLY,
    ("POST", "/admin/school-year"): ADMIN_ONLY,
    ("POST", "/admin/school-year/defaults"): ADMIN_ONLY,
    ("GET", "/admin/school-year/{date_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/school-year/{date_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/school-year/{date_id:int}/delete"): ADMIN_ONLY,
}

# "key" is a queue that exists: the counsellor sees it, the others are refused before.
PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "key": lambda _db: "unmatched",
    "date_id": lambda db: str(make_school_year_date(db).id),
}
