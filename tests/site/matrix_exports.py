"""Authorization-matrix entries for the exports (merged in authorization_matrix.py).

Without a query the download is a form that comes back with messages (422) for the roles that
may export; tests/exports/test_routes.py downloads real files and tries other schools' codes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import ENROLMENT_STAFF, Outcome

# A school's coordinator and the counsellors of its schools; admins do no casework.
EXPORTERS: dict[str, Outcome] = ENROLMENT_STAFF

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/exports"): EXPORTERS,
    ("GET", "/exports/download"): EXPORTERS,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
