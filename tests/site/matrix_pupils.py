"""Authorization-matrix entries for the pupils routes (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_pupil
from tests.site.matrix_roles import ENROLMENT_STAFF, Outcome

# A pupil of some other school: staff get through the policy and then a 404 (tested in
# tests/pupils/test_scope.py); the admin and the ambassador never get that far.
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/pupils"): ENROLMENT_STAFF,
    ("GET", "/pupils/{pupil_id:int}"): ENROLMENT_STAFF,
    ("GET", "/pupils/{pupil_id:int}/edit"): ENROLMENT_STAFF,
    ("POST", "/pupils/{pupil_id:int}/edit"): ENROLMENT_STAFF,
    ("POST", "/pupils/{pupil_id:int}/consent"): ENROLMENT_STAFF,
    # The question before archiving (what ends with it); the POST asks it too unless confirmed.
    ("GET", "/pupils/{pupil_id:int}/archive"): ENROLMENT_STAFF,
    ("POST", "/pupils/{pupil_id:int}/archive"): ENROLMENT_STAFF,
    ("POST", "/pupils/{pupil_id:int}/restore"): ENROLMENT_STAFF,
    ("GET", "/pupils/consent"): ENROLMENT_STAFF,
    ("POST", "/pupils/consent"): ENROLMENT_STAFF,
    ("GET", "/pupils/consent-letter"): ENROLMENT_STAFF,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "pupil_id": lambda db: str(make_pupil(db).id),
}
