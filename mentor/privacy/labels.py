"""What the privacy pages call the kinds of request, and why a row outlives an erasure."""

from __future__ import annotations

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import PrivacyRequestKind
from mentor.models.privacy import PrivacySubject

KIND_LABELS: dict[PrivacyRequestKind, LazyText] = {
    PrivacyRequestKind.ACCESS: lazy_gettext("Access (a copy of the data)"),
    PrivacyRequestKind.ERASURE: lazy_gettext("Erasure"),
}

SUBJECT_LABELS: dict[PrivacySubject, LazyText] = {
    PrivacySubject.PUPIL: lazy_gettext("A pupil"),
    PrivacySubject.AMBASSADOR: lazy_gettext("An ambassador"),
}

# Tables whose rows stay after an erasure, and why; any other stays unlinked from the pupil.
TABLE_REASONS: dict[str, LazyText] = {
    "audit_event": lazy_gettext(
        "Kept for the audit period, as the law requires, without the pupil's number or the "
        "details of what was written."
    ),
    "privacy_request": lazy_gettext(
        "Kept as the record that the request was answered, with only the pupil's former number."
    ),
    "meeting": lazy_gettext(
        "Meetings other pupils took part in: kept for them, without this pupil."
    ),
}
KEPT_UNLINKED = lazy_gettext("Kept for others, no longer linked to the pupil.")

# The same for an ambassador.
AMBASSADOR_TABLE_REASONS: dict[str, LazyText] = {
    "audit_event": lazy_gettext(
        "Kept for the audit period, as the law requires, without the details of what was "
        "written about the ambassador."
    ),
    "privacy_request": lazy_gettext(
        "Kept as the record that the request was answered, with only the ambassador's former "
        "number."
    ),
    "ambassador": lazy_gettext(
        "Kept, anonymised for good (no name, contact details, profile or vetting record), "
        "because their matches or meetings are kept as the pupils' mentoring records."
    ),
    "user_account": lazy_gettext(
        "Kept, anonymised for good: the name becomes a number, the address a made-up one, "
        "and the account can never log in again."
    ),
    "match": lazy_gettext("The pupils' mentoring records: kept for the pupils, without a name."),
    "meeting": lazy_gettext("The pupils' mentoring records: kept for the pupils, without a name."),
}
