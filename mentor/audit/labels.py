"""What the audit log page and its export call the actions and objects of the log.

The log stores plain codes (a new action needs no migration); the admin reads them in their own
language. A row may hold a code no longer written (the log is kept for years): it is shown as it
is stored rather than hidden.
"""

from __future__ import annotations

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import AuditAction

ACTION_LABELS: dict[str, LazyText] = {
    AuditAction.READ: lazy_gettext("Read"),
    AuditAction.CREATE: lazy_gettext("Created"),
    AuditAction.UPDATE: lazy_gettext("Changed"),
    AuditAction.DELETE: lazy_gettext("Deleted"),
    AuditAction.EXPORT: lazy_gettext("Exported"),
    AuditAction.ANONYMISE: lazy_gettext("Anonymised"),
    # Not plain "Deleted": an erasure on a pupil's request must stand out from a deleted row.
    AuditAction.ERASE: lazy_gettext("Erased on request"),
    AuditAction.LOGIN: lazy_gettext("Logged in"),
    AuditAction.LOGIN_FAILED: lazy_gettext("Failed login"),
    AuditAction.LOGOUT: lazy_gettext("Logged out"),
    AuditAction.INVITE: lazy_gettext("Invited"),
    "import": lazy_gettext("Imported"),
    "archive": lazy_gettext("Archived"),
    # An organisation.
    "activate": lazy_gettext("Activated"),
    "deactivate": lazy_gettext("Deactivated"),
    "update_schools": lazy_gettext("Schools changed"),
    # A user account.
    "enable": lazy_gettext("User enabled"),
    "disable": lazy_gettext("User disabled"),
    # f"{TokenPurpose.value}_used" (mentor.accounts.links).
    "invitation_used": lazy_gettext("Invitation accepted"),
    "password_reset_used": lazy_gettext("New password chosen"),
    "password_reset_requested": lazy_gettext("New password requested"),
    "mfa_enrol": lazy_gettext("Two-step verification set up"),
    "mfa_disable": lazy_gettext("Two-step verification turned off"),
    "mfa_reset": lazy_gettext("Two-step verification reset"),
    "mfa_failed": lazy_gettext("Wrong two-step code"),
    "mfa_recovery_codes_renewed": lazy_gettext("New recovery codes made"),
    "recovery_code_used": lazy_gettext("Recovery code used"),
    "session_ended": lazy_gettext("Session ended"),
    "sessions_ended": lazy_gettext("Other sessions ended"),
    "calendar_feed_created": lazy_gettext("Calendar feed created"),
    "calendar_feed_renewed": lazy_gettext("Calendar feed renewed"),
    "calendar_feed_revoked": lazy_gettext("Calendar feed revoked"),
    "questionnaire_link_created": lazy_gettext("Questionnaire link made"),
    "questionnaire_link_revoked": lazy_gettext("Questionnaire link revoked"),
    "questionnaire_answered": lazy_gettext("Questionnaire answered"),
    "ambassador_invited": lazy_gettext("Ambassador invited"),
    "ambassador_application_duplicate": lazy_gettext(
        "Ambassador application from an e-mail address already in use"
    ),
    "ambassador_certificate_rechecked": lazy_gettext("Børneattest checked again"),
    "ambassador_training_booked": lazy_gettext("Training booked"),
    # f"ambassador_{AmbassadorState.value}": a step of the vetting (mentor.ambassadors.vetting).
    "ambassador_applied": lazy_gettext("Ambassador applied"),
    "ambassador_approved": lazy_gettext("Ambassador approved"),
    "ambassador_certificate_requested": lazy_gettext("Børneattest requested"),
    "ambassador_certificate_cleared": lazy_gettext("Børneattest cleared"),
    "ambassador_trained": lazy_gettext("Training completed"),
    "ambassador_active": lazy_gettext("Ambassador activated"),
    "ambassador_paused": lazy_gettext("Ambassador paused"),
    "ambassador_left": lazy_gettext("Ambassador stopped"),
    "ambassador_rejected": lazy_gettext("Ambassador rejected"),
}

OBJECT_TYPE_LABELS: dict[str, LazyText] = {
    "ambassador": lazy_gettext("Ambassador"),
    "ambassador_certificate": lazy_gettext("Certificate of contribution"),
    "ambassador_check_in": lazy_gettext("Check-in"),
    "audit_event": lazy_gettext("Audit log"),
    "calendar_entry": lazy_gettext("Calendar entry"),
    "consent": lazy_gettext("Consent"),
    "demo": lazy_gettext("Demo data"),
    "exit_answer": lazy_gettext("Answer to the exit question"),
    "exit_question": lazy_gettext("Exit question"),
    "export": lazy_gettext("Export"),
    "feedback": lazy_gettext("Feedback"),
    "interest": lazy_gettext("Interest"),
    "interest_group": lazy_gettext("Interest group"),
    "login_session": lazy_gettext("Login session"),
    "match": lazy_gettext("Match"),
    "match_run": lazy_gettext("Matching run"),
    "meeting": lazy_gettext("Meeting"),
    "meeting_log": lazy_gettext("Meeting log"),
    "meeting_topic": lazy_gettext("Meeting topic"),
    "note": lazy_gettext("Note"),
    "organisation": lazy_gettext("Organisation"),
    "pair_rule": lazy_gettext("Locked or forbidden pair"),
    "privacy_request": lazy_gettext("Request for access or erasure"),
    "programme": lazy_gettext("Programme"),
    "pupil": lazy_gettext("Pupil"),
    "school_year_date": lazy_gettext("School year date"),
    "scoring_model": lazy_gettext("Scoring model"),
    "user": lazy_gettext("User"),
}


def action_label(code: str) -> str:
    """The action in the reader's language; an unknown code as it is stored."""
    label = ACTION_LABELS.get(code)
    return code if label is None else str(label)


def object_type_label(code: str) -> str:
    """The kind of object in the reader's language; an unknown code as it is stored."""
    label = OBJECT_TYPE_LABELS.get(code)
    return code if label is None else str(label)
