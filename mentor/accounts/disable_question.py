"""The question before a user is disabled: what it does, and what it leaves as it is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.i18n import LazyText, lazy_gettext, ngettext
from mentor.matches.what_ends import what_ends_for_ambassador
from mentor.models import Ambassador, User
from mentor.web.confirmation import Confirmation


def disable_confirmation(db: Session, *, user: User, now: datetime) -> Confirmation:
    consequences: list[LazyText | str] = [
        lazy_gettext(
            "%(name)s cannot log in any more and is logged out everywhere at once.",
            name=user.full_name,
        )
    ]
    ambassador_id = db.scalar(select(Ambassador.id).where(Ambassador.user_id == user.id))
    if ambassador_id is not None:
        ends = what_ends_for_ambassador(db, ambassador_id=ambassador_id, now=now)
        if ends.matches or ends.proposals:
            # Disabling is not leaving: the pupils would wait for someone who cannot log in.
            consequences.append(
                ngettext(
                    "Their %(num)s mentee or waiting proposal stays as it is: if they have left"
                    " the programme, mark them as left on their vetting page instead.",
                    "Their %(num)s mentees and waiting proposals stay as they are: if they have"
                    " left the programme, mark them as left on their vetting page instead.",
                    ends.matches + ends.proposals,
                )
            )
    consequences.append(lazy_gettext("Nothing is deleted: you can enable the user again."))
    return Confirmation(
        title=lazy_gettext("Disable %(name)s?", name=user.full_name),
        consequences=consequences,
        action=f"/admin/users/{user.id}/disable",
        confirm_label=lazy_gettext("Disable user"),
        cancel_url=f"/admin/users/{user.id}",
    )
