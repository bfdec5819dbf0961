"""The authorization matrix: for every route, what each role gets.

A route missing here fails ``test_every_route_is_in_the_matrix``; a new route must say who may use
it. ``ALLOW`` means the policy lets the request through (the answer may still be a 303, a 404 or a
422 about the data); ``DENY`` is a 403 page; ``LOGIN`` is a 303 to the login page.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_interest, make_organisation, make_programme, make_user
from tests.site import (
    matrix_ambassador_profile,
    matrix_ambassador_vetting,
    matrix_calendar,
    matrix_calendar_admin,
    matrix_caseload,
    matrix_certificates,
    matrix_closing,
    matrix_exports,
    matrix_followup,
    matrix_followup_notes,
    matrix_handoff,
    matrix_matching,
    matrix_meeting_logs,
    matrix_meetings,
    matrix_mfa,
    matrix_privacy,
    matrix_proposals,
    matrix_pupil_import,
    matrix_pupils,
    matrix_questionnaire,
    matrix_report,
    matrix_scoring,
)
from tests.site.matrix_roles import ADMIN_ONLY, PUBLIC, Outcome

MATRIX: dict[tuple[str, str], dict[str, Outcome]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/accessibility"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("POST", "/language"): PUBLIC,
    ("GET", "/password-reset"): PUBLIC,
    ("POST", "/password-reset"): PUBLIC,
    ("GET", "/invitation/{token}"): PUBLIC,
    ("POST", "/invitation/{token}"): PUBLIC,
    ("GET", "/password-reset/{token}"): PUBLIC,
    ("POST", "/password-reset/{token}"): PUBLIC,
    ("GET", "/admin/users"): ADMIN_ONLY,
    ("GET", "/admin/users/invite"): ADMIN_ONLY,
    ("POST", "/admin/users/invite"): ADMIN_ONLY,
    ("GET", "/admin/users/{user_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/users/{user_id:int}"): ADMIN_ONLY,
    # The question before disabling (what it does); the POST asks it too unless confirmed.
    ("GET", "/admin/users/{user_id:int}/disable"): ADMIN_ONLY,
    ("POST", "/admin/users/{user_id:int}/disable"): ADMIN_ONLY,
    ("POST", "/admin/users/{user_id:int}/enable"): ADMIN_ONLY,
    ("GET", "/admin/organisations"): ADMIN_ONLY,
    ("GET", "/admin/organisations/new"): ADMIN_ONLY,
    ("POST", "/admin/organisations/new"): ADMIN_ONLY,
    ("GET", "/admin/organisations/{organisation_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/organisations/{organisation_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/organisations/{organisation_id:int}/deactivate"): ADMIN_ONLY,
    ("POST", "/admin/organisations/{organisation_id:int}/activate"): ADMIN_ONLY,
    ("GET", "/admin/programmes"): ADMIN_ONLY,
    ("GET", "/admin/programmes/new"): ADMIN_ONLY,
    ("POST", "/admin/programmes/new"): ADMIN_ONLY,
    ("GET", "/admin/programmes/{programme_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/programmes/{programme_id:int}"): ADMIN_ONLY,
    ("GET", "/admin/interests"): ADMIN_ONLY,
    ("POST", "/admin/interests/groups"): ADMIN_ONLY,
    ("GET", "/admin/interests/new"): ADMIN_ONLY,
    ("POST", "/admin/interests/new"): ADMIN_ONLY,
    ("GET", "/admin/interests/{interest_id:int}"): ADMIN_ONLY,
    ("POST", "/admin/interests/{interest_id:int}"): ADMIN_ONLY,
    **matrix_pupil_import.ENTRIES,
    **matrix_pupils.ENTRIES,
    **matrix_questionnaire.ENTRIES,
    **matrix_ambassador_vetting.ENTRIES,
    **matrix_ambassador_profile.ENTRIES,
    **matrix_proposals.ENTRIES,
    **matrix_matching.ENTRIES,
    **matrix_meeting_logs.ENTRIES,
    **matrix_scoring.ENTRIES,
    **matrix_closing.ENTRIES,
    **matrix_followup.ENTRIES,
    **matrix_followup_notes.ENTRIES,
    **matrix_handoff.ENTRIES,
    **matrix_calendar.ENTRIES,
    **matrix_calendar_admin.ENTRIES,
    **matrix_meetings.ENTRIES,
    **matrix_exports.ENTRIES,
    **matrix_report.ENTRIES,
    **matrix_certificates.ENTRIES,
    **matrix_caseload.ENTRIES,
    **matrix_mfa.ENTRIES,
    # The audit log (issue 18): the admin only.
    ("GET", "/admin/audit"): ADMIN_ONLY,
    ("GET", "/admin/audit.csv"): ADMIN_ONLY,
    **matrix_privacy.ENTRIES,
}

# How to fill a path parameter with an object that exists.
PATH_VALUES: dict[str, Callable[[Session], str]] = {
    "token": lambda _db: "not-a-real-token",
    "user_id": lambda db: str(make_user(db, role=Role.COORDINATOR).id),
    "organisation_id": lambda db: str(make_organisation(db).id),
    "programme_id": lambda db: str(make_programme(db).id),
    "interest_id": lambda db: str(make_interest(db).id),
    **matrix_pupil_import.PATH_VALUES,
    **matrix_pupils.PATH_VALUES,
    **matrix_questionnaire.PATH_VALUES,
    **matrix_ambassador_vetting.PATH_VALUES,
    **matrix_ambassador_profile.PATH_VALUES,
    **matrix_proposals.PATH_VALUES,
    **matrix_matching.PATH_VALUES,
    **matrix_meeting_logs.PATH_VALUES,
    **matrix_scoring.PATH_VALUES,
    **matrix_closing.PATH_VALUES,
    **matrix_followup.PATH_VALUES,
    **matrix_followup_notes.PATH_VALUES,
    **matrix_handoff.PATH_VALUES,
    **matrix_calendar.PATH_VALUES,
    **matrix_calendar_admin.PATH_VALUES,
    **matrix_meetings.PATH_VALUES,
    **matrix_exports.PATH_VALUES,
    **matrix_report.PATH_VALUES,
    **matrix_certificates.PATH_VALUES,
    **matrix_caseload.PATH_VALUES,
    **matrix_mfa.PATH_VALUES,
    **matrix_privacy.PATH_VALUES,
}
