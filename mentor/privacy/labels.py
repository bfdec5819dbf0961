"""What the privacy pages call the kinds of request, and why a row outlives an erasure."""

from __future__ import annotations

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import PrivacyRequestKind

KIND_LABELS: dict[PrivacyRequestKind, LazyText] = {
    PrivacyRequestKind.ACCESS: lazy_gettext("Access (a copy of the data)"),
    PrivacyRequestKind.ERASURE: lazy_gettext("Erasure"),
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
