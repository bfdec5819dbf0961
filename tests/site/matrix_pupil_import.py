"""Authorization-matrix entries for the pupil_import routes (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import ENROLMENT_STAFF, Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/pupils/import"): ENROLMENT_STAFF,
    ("POST", "/pupils/import"): ENROLMENT_STAFF,
    ("POST", "/pupils/import/commit"): ENROLMENT_STAFF,
    ("GET", "/pupils/import/example.csv"): ENROLMENT_STAFF,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {}
