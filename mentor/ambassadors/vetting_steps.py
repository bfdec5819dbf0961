"""The admin's moves on one ambassador's vetting page, as a table: URL name → what it does.

Each step reads its own fields from the form and calls the one service function for it; the
route (``vetting_routes``) is the same for all. Leaving is asked first: it ends the ambassador's
proposals and matches and cancels their meetings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from pydantic import Field
from sqlalchemy.orm import Session

from mentor.ambassadors import vetting
from mentor.config import Settings
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext, ngettext
from mentor.matches.what_ends import what_ends_for_ambassador
from mentor.models import Ambassador, User
from mentor.web.confirmation import Confirmation
from mentor.web.forms import FormModel, LocalDate, parse_form


class DateForm(FormModel):
    on: LocalDate


class OptionalDateForm(FormModel):
    on: LocalDate | None = None


DatedForm = TypeVar("DatedForm", DateForm, OptionalDateForm)


class RejectForm(FormModel):
    reason: str = Field(max_length=2000)


@dataclass(frozen=True)
class StepInput:
    db: Session
    admin: User
    ambassador: Ambassador
    settings: Settings
    fields: dict[str, str]


Step = Callable[[StepInput], None]


def _date_form(form: type[DatedForm], fields: Mapping[str, str], name: str) -> DatedForm:
    """A form of one date read from the field ``name``; its messages go next to that field."""
    try:
        return parse_form(form, {"on": fields.get(name, "")})
    except InvalidInput as error:
        raise InvalidInput({name: error.field_errors["on"]}) from None


def _date(fields: Mapping[str, str], name: str) -> date:
    return _date_form(DateForm, fields, name).on


def _optional_date(fields: Mapping[str, str], name: str) -> date | None:
    return _date_form(OptionalDateForm, fields, name).on


def _approve(step: StepInput) -> None:
    vetting.approve(step.db, actor=step.admin, ambassador=step.ambassador, settings=step.settings)


def _request_certificate(step: StepInput) -> None:
    on = parse_form(OptionalDateForm, step.fields).on
    vetting.request_certificate(step.db, actor=step.admin, ambassador=step.ambassador, on=on)


def _clear_certificate(step: StepInput) -> None:
    vetting.clear_certificate(
        step.db,
        actor=step.admin,
        ambassador=step.ambassador,
        assessed_on=_date(step.fields, "assessed_on"),
        assessor=step.admin,
    )


def _recheck_certificate(step: StepInput) -> None:
    vetting.recheck_certificate(
        step.db,
        actor=step.admin,
        ambassador=step.ambassador,
        assessed_on=_date(step.fields, "assessed_on"),
        assessor=step.admin,
    )


def _book_training(step: StepInput) -> None:
    on = _optional_date(step.fields, "booked_on")
    vetting.book_training(step.db, actor=step.admin, ambassador=step.ambassador, on=on)


def _complete_training(step: StepInput) -> None:
    on = _date(step.fields, "trained_on")
    vetting.complete_training(step.db, actor=step.admin, ambassador=step.ambassador, on=on)


def _reject(step: StepInput) -> None:
    reason = parse_form(RejectForm, step.fields).reason
    vetting.reject(step.db, actor=step.admin, ambassador=step.ambassador, reason=reason)


def _plain(move: Callable[..., None]) -> Step:
    """A move that needs nothing but the ambassador."""
    return lambda step: move(step.db, actor=step.admin, ambassador=step.ambassador)


# The URL's last part (/admin/ambassadors/{id}/<name>) → the step.
STEPS: dict[str, Step] = {
    "approve": _approve,
    "request-certificate": _request_certificate,
    "clear-certificate": _clear_certificate,
    "recheck-certificate": _recheck_certificate,
    "book-training": _book_training,
    "complete-training": _complete_training,
    "reject": _reject,
    "activate": _plain(vetting.activate),
    "pause": _plain(vetting.pause),
    "resume": _plain(vetting.resume),
    "leave": _plain(vetting.leave),
}


def leave_confirmation(db: Session, *, ambassador: Ambassador, now: datetime) -> Confirmation:
    """The question before an ambassador is marked as left, with what ends, counted."""
    name = ambassador.user.full_name
    ends = what_ends_for_ambassador(db, ambassador_id=ambassador.id, now=now)
    consequences: list[LazyText | str] = [
        lazy_gettext("%(name)s is no longer proposed to pupils.", name=name)
    ]
    if ends.proposals:
        consequences.append(
            ngettext(
                "%(num)s proposal not yet answered is withdrawn; the pupil returns to matching.",
                "%(num)s proposals not yet answered are withdrawn; the pupils return to matching.",
                ends.proposals,
            )
        )
    if ends.matches:
        consequences.append(
            ngettext(
                "%(num)s match with a mentee ends; the pupil returns to matching.",
                "%(num)s matches with mentees end; the pupils return to matching.",
                ends.matches,
            )
        )
    if ends.meetings:
        consequences.append(
            ngettext(
                "%(num)s upcoming meeting is cancelled, and everyone invited is told.",
                "%(num)s upcoming meetings are cancelled, and everyone invited is told.",
                ends.meetings,
            )
        )
    if not ends.anything:
        consequences.append(lazy_gettext("They have no proposals, mentees or meetings to end."))
    consequences.append(lazy_gettext("This cannot be undone."))
    return Confirmation(
        title=lazy_gettext("Has %(name)s left the programme?", name=name),
        consequences=consequences,
        action=f"/admin/ambassadors/{ambassador.id}/leave",
        confirm_label=lazy_gettext("Yes, mark as left"),
        cancel_url=f"/admin/ambassadors/{ambassador.id}",
    )
