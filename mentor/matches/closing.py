"""Ending a match: the reasons a counsellor can give, and the end form's state on a re-render."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mentor.i18n import LazyText, lazy_gettext
from mentor.models import CloseReason

CLOSE_REASON_LABELS: dict[CloseReason, LazyText] = {
    CloseReason.APPLIED: lazy_gettext("The pupil has applied for an education"),
    CloseReason.MOVED: lazy_gettext("The pupil has moved"),
    CloseReason.NO_LONGER_WANTED: lazy_gettext(
        "The pupil or the guardian no longer wants an ambassador"
    ),
    CloseReason.AMBASSADOR_LEFT: lazy_gettext("The ambassador has stopped"),
    CloseReason.OTHER: lazy_gettext("Other"),
}


@dataclass(frozen=True)
class EndForm:
    """The end form's values and messages: empty, except when bad input re-renders the page."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, object] = field(default_factory=dict)


def close_reason_options() -> list[tuple[str, str]]:
    return [(reason.value, str(label)) for reason, label in CLOSE_REASON_LABELS.items()]
