"""Authorization-matrix entries for the questionnaire routes (merged in authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.factories import make_pupil, make_school
from tests.site.matrix_roles import ENROLMENT_STAFF, PUBLIC, Outcome

ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    # Staff: the school's coordinator and its counsellors (another school's: 404, tested apart).
    ("GET", "/questionnaire"): ENROLMENT_STAFF,
    ("GET", "/questionnaire/schools/{school_id:int}"): ENROLMENT_STAFF,
    ("GET", "/questionnaire/schools/{school_id:int}/class"): ENROLMENT_STAFF,
    ("POST", "/questionnaire/schools/{school_id:int}/send"): ENROLMENT_STAFF,
    ("POST", "/questionnaire/schools/{school_id:int}/revoke"): ENROLMENT_STAFF,
    # One pupil's working link and QR code, shown again (never a new link).
    ("GET", "/questionnaire/pupils/{pupil_id:int}/link"): ENROLMENT_STAFF,
    ("POST", "/questionnaire/pupils/{pupil_id:int}/send"): ENROLMENT_STAFF,
    ("POST", "/questionnaire/pupils/{pupil_id:int}/revoke"): ENROLMENT_STAFF,
    # The pupil: no login, the token is the key (an unknown one is a friendly 404).
    ("GET", "/q/{token}"): PUBLIC,
    ("POST", "/q/{token}"): PUBLIC,
    ("GET", "/q/{token}/thanks"): PUBLIC,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "school_id": lambda db: str(make_school(db).id),
    "pupil_id": lambda db: str(make_pupil(db).id),
}
