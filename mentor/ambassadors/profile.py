"""The ambassador's own profile: what matching and pupils use, kept by the ambassador.

Validation lives here, so a form, the CLI and the tests refuse the same things: a programme the
institution does not offer, a slot outside the school week, fewer places than current mentees.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from mentor.audit.service import record
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext, ngettext
from mentor.models import (
    Ambassador,
    ContactPreference,
    InstitutionProgramme,
    Interest,
    Match,
    MatchState,
    Organisation,
    OrganisationKind,
    Programme,
    User,
)
from mentor.pupils.consent import local_today

# The grades the programme serves.
GRADES = (7, 8, 9, 10)
MAX_CAPACITY = 5
YEARS_OF_STUDY = range(1, 7)
ABOUT_MAX_LENGTH = 600
# Meetings happen on school days, from the end of the first lessons to early evening.
SCHOOL_DAYS = range(0, 5)
EARLIEST = time(8, 0)
LATEST = time(18, 0)
SHORTEST_SLOT = timedelta(minutes=30)
MAX_SLOTS = 10
MAX_BLACKOUTS = 10
# A holiday or an exam period; anything longer is a pause (capacity 0) rather than a blackout.
LONGEST_BLACKOUT = timedelta(days=120)
# How far ahead a blackout may start: the rest of this school year and the next.
PLAN_AHEAD = timedelta(days=730)
SCHOOL_KINDS = (OrganisationKind.PRIMARY_SCHOOL, OrganisationKind.TENTH_GRADE_CENTRE)

_PHONE = re.compile(r"^\+?[0-9 ()-]+$")


@dataclass(frozen=True)
class Slot:
    """A weekly time slot; ``field`` names the form row that shows its messages."""

    weekday: int
    start: time
    end: time
    field: str = "availability"

    def as_json(self) -> dict[str, Any]:
        return {
            "weekday": self.weekday,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }


@dataclass(frozen=True)
class Blackout:
    """Dates the ambassador cannot meet, both days included."""

    start: date
    end: date
    field: str = "blackout_dates"

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class ProfileUpdate:
    institution_id: int
    programme_id: int
    year_of_study: int
    former_school_id: int | None
    interest_ids: frozenset[int]
    languages: tuple[str, ...]
    preferred_grades: tuple[int, ...]
    capacity: int
    availability: tuple[Slot, ...]
    blackout_dates: tuple[Blackout, ...]
    about: str | None
    phone: str | None
    contact_preference: ContactPreference


@dataclass(frozen=True)
class ProfileChoices:
    """What the form offers: active catalogue rows, plus the ambassador's current ones."""

    institutions: Sequence[Organisation]
    programmes: Sequence[Programme]
    schools: Sequence[Organisation]
    interests: Sequence[Interest]


# Reading


def load_profile(db: Session, *, user: User) -> Ambassador | None:
    """The signed-in user's ambassador row with what the profile pages show, or None."""
    query = (
        select(Ambassador)
        .where(Ambassador.user_id == user.id)
        .options(
            joinedload(Ambassador.institution),
            joinedload(Ambassador.programme),
            joinedload(Ambassador.former_school),
            selectinload(Ambassador.interests).joinedload(Interest.group),
        )
    )
    return db.scalars(query).unique().one_or_none()


def mentee_count(db: Session, *, ambassador: Ambassador) -> int:
    """Pupils the ambassador mentors now: accepted matches.

    Proposals do not count: the ambassador may still decline them, and accepting one is checked
    against capacity at that moment.
    """
    query = select(func.count(Match.id)).where(
        Match.ambassador_id == ambassador.id, Match.state == MatchState.ACCEPTED
    )
    return int(db.scalar(query) or 0)


def _current(today: date) -> Any:
    return (Programme.valid_from.is_(None) | (Programme.valid_from <= today)) & (
        Programme.valid_to.is_(None) | (Programme.valid_to >= today)
    )


def profile_choices(db: Session, *, ambassador: Ambassador) -> ProfileChoices:
    today = local_today()
    institutions = db.scalars(
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.YOUTH_INSTITUTION,
            Organisation.active | (Organisation.id == ambassador.institution_id),
        )
        .order_by(Organisation.name)
    ).all()
    programmes = db.scalars(
        select(Programme)
        .where(_current(today) | (Programme.id == ambassador.programme_id))
        .order_by(Programme.sort_order, Programme.name_da)
    ).all()
    schools = db.scalars(
        select(Organisation)
        .where(
            Organisation.kind.in_(SCHOOL_KINDS),
            Organisation.active | (Organisation.id == ambassador.former_school_id),
        )
        .order_by(Organisation.name)
    ).all()
    interests = db.scalars(
        select(Interest)
        .where(Interest.active)
        .options(joinedload(Interest.group))
        .order_by(Interest.sort_order, Interest.id)
    ).all()
    return ProfileChoices(institutions, programmes, schools, interests)


def offered_programme_ids(db: Session, *, institution_id: int) -> set[int]:
    query = select(InstitutionProgramme.programme_id).where(
        InstitutionProgramme.institution_id == institution_id
    )
    return set(db.scalars(query))


# Checking


def _check_institution(
    db: Session, ambassador: Ambassador, update: ProfileUpdate
) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    institution = db.get(Organisation, update.institution_id)
    unchanged = update.institution_id == ambassador.institution_id
    if institution is None or not (
        institution.kind is OrganisationKind.YOUTH_INSTITUTION and (institution.active or unchanged)
    ):
        errors["institution_id"] = lazy_gettext("Choose your school from the list.")
        return errors
    programme = db.get(Programme, update.programme_id)
    today = local_today()
    programme_unchanged = update.programme_id == ambassador.programme_id
    is_current = programme is not None and (
        (programme.valid_from is None or programme.valid_from <= today)
        and (programme.valid_to is None or programme.valid_to >= today)
    )
    if programme is None or not (is_current or programme_unchanged):
        errors["programme_id"] = lazy_gettext("Choose your programme from the list.")
        return errors
    offered = offered_programme_ids(db, institution_id=institution.id)
    # An institution whose programmes the admin has not recorded yet offers any programme:
    # the ambassador should not be stuck behind a gap in the catalogue.
    if offered and programme.id not in offered:
        errors["programme_id"] = lazy_gettext(
            "%(institution)s does not offer %(programme)s. Choose the programme you attend there.",
            institution=institution.name,
            programme=programme.name_da,
        )
    return errors


def _check_choices(
    db: Session, ambassador: Ambassador, update: ProfileUpdate
) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    if update.year_of_study not in YEARS_OF_STUDY:
        errors["year_of_study"] = lazy_gettext("Choose your year from the list.")
    if update.former_school_id is not None:
        school = db.get(Organisation, update.former_school_id)
        unchanged = update.former_school_id == ambassador.former_school_id
        if school is None or school.kind not in SCHOOL_KINDS or not (school.active or unchanged):
            errors["former_school_id"] = lazy_gettext("Choose your former school from the list.")
    if update.interest_ids:
        active = set(
            db.scalars(
                select(Interest.id).where(Interest.id.in_(update.interest_ids), Interest.active)
            )
        )
        if active != set(update.interest_ids):
            errors["interests"] = lazy_gettext(
                "One of the interests is no longer offered. Reload the page and choose again."
            )
    if any(len(code) not in (2, 3) or not code.isalpha() for code in update.languages):
        errors["languages"] = lazy_gettext("Choose languages from the list.")
    if not set(update.preferred_grades) <= set(GRADES):
        errors["preferred_grades"] = lazy_gettext("Choose grades between 7 and 10.")
    return errors


def _check_capacity(
    db: Session, ambassador: Ambassador, update: ProfileUpdate
) -> dict[str, LazyText | str]:
    if not 0 <= update.capacity <= MAX_CAPACITY:
        return {"capacity": lazy_gettext("Choose a number from 0 to 5.")}
    mentees = mentee_count(db, ambassador=ambassador)
    if update.capacity < mentees:
        # Lowering below the current mentees would leave a pupil without a place; ending a
        # mentorship is a counsellor's decision (closing a match), not a side effect of a form.
        message = ngettext(
            "You mentor %(num)s pupil now, so you cannot choose fewer than %(num)s. "
            "Ask your guidance counsellor if you need to stop with a pupil.",
            "You mentor %(num)s pupils now, so you cannot choose fewer than %(num)s. "
            "Ask your guidance counsellor if you need to stop with a pupil.",
            mentees,
        )
        return {"capacity": message}
    return {}


def _check_availability(slots: Sequence[Slot]) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    if len(slots) > MAX_SLOTS:
        errors["availability"] = lazy_gettext("At most %(count)s time slots.", count=MAX_SLOTS)
        return errors
    good: list[Slot] = []
    for slot in slots:
        if slot.weekday not in SCHOOL_DAYS:
            errors[slot.field] = lazy_gettext("Choose a school day, Monday to Friday.")
        elif slot.start >= slot.end:
            errors[slot.field] = lazy_gettext("The end must be after the start.")
        elif slot.start < EARLIEST or slot.end > LATEST:
            errors[slot.field] = lazy_gettext(
                "Choose times between %(earliest)s and %(latest)s.",
                earliest=EARLIEST.strftime("%H:%M"),
                latest=LATEST.strftime("%H:%M"),
            )
        elif _minutes(slot.end) - _minutes(slot.start) < SHORTEST_SLOT.seconds // 60:
            errors[slot.field] = lazy_gettext("A time slot must be at least 30 minutes.")
        else:
            good.append(slot)
    for index, slot in enumerate(good):
        overlaps = any(
            other.weekday == slot.weekday and other.start < slot.end and slot.start < other.end
            for other in good[:index]
        )
        if overlaps:
            errors.setdefault(
                slot.field,
                lazy_gettext("This time slot overlaps another one on the same day."),
            )
    return errors


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _check_blackouts(blackouts: Sequence[Blackout], today: date) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    if len(blackouts) > MAX_BLACKOUTS:
        errors["blackout_dates"] = lazy_gettext("At most %(count)s periods.", count=MAX_BLACKOUTS)
        return errors
    for period in blackouts:
        if period.start > period.end:
            errors[period.field] = lazy_gettext("The last day must be on or after the first day.")
        elif period.end < today:
            errors[period.field] = lazy_gettext(
                "This period is over. Leave the row empty, or check the year."
            )
        elif period.start > today + PLAN_AHEAD:
            errors[period.field] = lazy_gettext("This period is too far ahead. Check the year.")
        elif period.end - period.start >= LONGEST_BLACKOUT:
            errors[period.field] = lazy_gettext(
                "A period can be at most %(days)s days. For a longer break, choose 0 pupils "
                "at once.",
                days=LONGEST_BLACKOUT.days,
            )
    return errors


def _check_contact(update: ProfileUpdate) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    if update.about is not None and len(update.about) > ABOUT_MAX_LENGTH:
        errors["about"] = lazy_gettext(
            "Write at most %(count)s characters.", count=ABOUT_MAX_LENGTH
        )
    phone = update.phone
    if phone is not None and (
        not _PHONE.match(phone) or not 8 <= sum(c.isdigit() for c in phone) <= 15
    ):
        errors["phone"] = lazy_gettext("Enter a phone number like +45 12 34 56 78.")
    elif phone is None and update.contact_preference in (
        ContactPreference.PHONE,
        ContactPreference.SMS,
    ):
        errors["phone"] = lazy_gettext(
            "Enter your phone number, or choose to be contacted by e-mail."
        )
    return errors


def profile_problems(
    db: Session, *, ambassador: Ambassador, update: ProfileUpdate, today: date | None = None
) -> dict[str, LazyText | str]:
    """Every problem with ``update``, keyed by the form field that shows it."""
    today = today or local_today()
    return (
        _check_institution(db, ambassador, update)
        | _check_choices(db, ambassador, update)
        | _check_capacity(db, ambassador, update)
        | _check_availability(update.availability)
        | _check_blackouts(update.blackout_dates, today)
        | _check_contact(update)
    )


# Writing


def update_profile(
    db: Session,
    *,
    actor: User,
    ambassador: Ambassador,
    update: ProfileUpdate,
    today: date | None = None,
) -> list[str]:
    """Save the profile, or raise InvalidInput and change nothing; returns the changed fields.

    The ambassador's interests must be loaded (``load_profile`` does). The ambassador's row is
    locked first, as an accept locks it (``matches.service.accept``): a capacity lowered while a
    proposal is being accepted is checked against the mentees as they are after the accept.
    """
    # The lock only: the row is not read afresh, so the loaded interests stay as they are.
    db.execute(select(Ambassador.id).where(Ambassador.id == ambassador.id).with_for_update())
    if errors := profile_problems(db, ambassador=ambassador, update=update, today=today):
        raise InvalidInput(errors)
    slots = sorted(update.availability, key=lambda slot: (slot.weekday, slot.start))
    periods = sorted(update.blackout_dates, key=lambda period: (period.start, period.end))
    values: dict[str, Any] = {
        "institution_id": update.institution_id,
        "programme_id": update.programme_id,
        "year_of_study": update.year_of_study,
        "former_school_id": update.former_school_id,
        "languages": list(update.languages),
        "preferred_grades": sorted(set(update.preferred_grades)),
        "capacity": update.capacity,
        "availability": [slot.as_json() for slot in slots],
        "blackout_dates": [period.as_json() for period in periods],
        "about": update.about,
        "phone": update.phone,
        "contact_preference": update.contact_preference,
    }
    changed = [name for name, value in values.items() if getattr(ambassador, name) != value]
    for name in changed:
        setattr(ambassador, name, values[name])
    if {interest.id for interest in ambassador.interests} != set(update.interest_ids):
        chosen = db.scalars(select(Interest).where(Interest.id.in_(update.interest_ids))).all()
        ambassador.interests = sorted(chosen, key=lambda interest: interest.sort_order)
        changed.append("interests")
    if "institution_id" in changed and actor.id == ambassador.user_id:
        # The account's organisation is the ambassador's institution (the admin's user list and
        # invitations read it there): keep the two the same.
        actor.organisation_id = update.institution_id
    db.flush()
    if changed:
        record(
            db,
            actor_id=actor.id,
            action="update",
            object_type="ambassador",
            object_id=ambassador.id,
            # Which fields, never their values: the audit log is not a second copy of the data.
            details={"fields": changed},
        )
    return changed
