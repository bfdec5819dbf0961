"""Authorization-matrix entries for ambassadors' certificates of contribution (merged in
authorization_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from tests.site.matrix_roles import AMBASSADOR_ONLY, ENROLMENT_STAFF, PUBLIC, Outcome

# The ambassador's own certificate; the school's coordinator (and the caseload's counsellor)
# hands one over to an ambassador who met the school's pupils; anyone confirms a code.
# "ambassador_id" comes from matrix_ambassador_vetting: an ambassador who met no pupil of the
# signed-in user's school, so staff get through the policy and then a 404
# (tests/ambassadors/test_certificates.py).
ENTRIES: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/ambassador/certificate"): AMBASSADOR_ONLY,
    ("POST", "/ambassador/certificate"): AMBASSADOR_ONLY,
    ("GET", "/ambassador/certificate/{certificate_code}"): AMBASSADOR_ONLY,
    ("GET", "/school/certificates"): ENROLMENT_STAFF,
    ("GET", "/school/certificates/ambassadors/{ambassador_id:int}"): ENROLMENT_STAFF,
    ("POST", "/school/certificates/ambassadors/{ambassador_id:int}"): ENROLMENT_STAFF,
    ("GET", "/school/certificates/{certificate_code}"): ENROLMENT_STAFF,
    ("GET", "/certificate/verify"): PUBLIC,
}

PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "certificate_code": lambda _db: "AMB-7K2Q-9XMD",
}
