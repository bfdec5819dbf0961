"""The question before a pupil is archived: what ends with it, counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentor.i18n import LazyText, lazy_gettext, ngettext
from mentor.matches.what_ends import WhatEnds, what_ends_for_pupil
from mentor.models import Pupil
from mentor.web.confirmation import Confirmation


def _what_ends(ends: WhatEnds) -> list[LazyText | str]:
    said: list[LazyText | str] = []
    if ends.proposals:
        said.append(
            ngettext(
                "%(num)s proposal to an ambassador is withdrawn.",
                "%(num)s proposals to ambassadors are withdrawn.",
                ends.proposals,
            )
        )
    if ends.matches:
        said.append(lazy_gettext("The match with the ambassador ends; the ambassador is told."))
    if ends.meetings:
        said.append(
            ngettext(
                "%(num)s upcoming meeting: the pupil leaves it, and it is cancelled if no one"
                " else is left.",
                "%(num)s upcoming meetings: the pupil leaves them, and each is cancelled if no"
                " one else is left.",
                ends.meetings,
            )
        )
    return said


def archive_confirmation(db: Session, *, pupil: Pupil, now: datetime) -> Confirmation:
    name = f"{pupil.first_name} {pupil.last_name}"
    ends = what_ends_for_pupil(db, pupil_id=pupil.id, now=now)
    consequences = [
        lazy_gettext("%(name)s leaves the lists and is no longer matched.", name=name),
        *_what_ends(ends),
        lazy_gettext(
            "Nothing is deleted now: you can make the pupil active again, and the data is"
            " deleted later by the retention rules."
        ),
    ]
    return Confirmation(
        title=lazy_gettext("Archive %(name)s?", name=name),
        consequences=consequences,
        action=f"/pupils/{pupil.id}/archive",
        confirm_label=lazy_gettext("Archive the pupil"),
        cancel_url=f"/pupils/{pupil.id}",
    )
