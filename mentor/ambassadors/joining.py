"""How a student becomes an ambassador: invited by staff, or applying on the public page.

An invitation is the staff's decision to take the student on: the account is active at once (the
invitation mail carries a link to choose a password) and the ambassador starts as *approved*, with
the børneattest and the training still ahead. An application on the public page creates an
account that cannot log in (no password, inactive) and an ambassador in state *applied*; approving
it opens the account and mails the password link (``vetting.approve``).

The public page refuses a known e-mail address without saying so: the applicant sees the same
page and message whether the address is new or not, and the limit per IP address counts both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.accounts import rate_limits
from mentor.accounts.links import normalise_email
from mentor.accounts.service import invite_user
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import Clock, utcnow
from mentor.errors import DomainError, InvalidInput
from mentor.i18n import LOCAL_TIMEZONE, LazyText, get_locale, lazy_gettext
from mentor.models import (
    Ambassador,
    AmbassadorState,
    InstitutionProgramme,
    Organisation,
    OrganisationKind,
    Programme,
    Role,
    User,
)
from mentor.notifications.service import queue_email

APPLICATION_BUCKET = "ambassador_application"
# Ambassadors are youth-education students; the application asks for a birth date to check it.
MIN_AGE = 15
MAX_AGE = 30
EARLIEST_BIRTH_YEAR = 1900
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DANISH_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
RATE_WINDOW = timedelta(hours=1)


class TooManyApplications(DomainError):
    status_code = 429
    default_message = lazy_gettext(
        "Too many applications have been sent from this network in the last hour. "
        "Try again later, or ask your guidance counsellor to invite you."
    )


def institution_choices(db: Session) -> Sequence[Organisation]:
    return db.scalars(
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.YOUTH_INSTITUTION,
            Organisation.active.is_(True),
        )
        .order_by(Organisation.name)
    ).all()


def programme_choices(db: Session, *, today: date | None = None) -> Sequence[Programme]:
    day = today or utcnow().date()
    return db.scalars(
        select(Programme)
        .where(
            (Programme.valid_from.is_(None)) | (Programme.valid_from <= day),
            (Programme.valid_to.is_(None)) | (Programme.valid_to >= day),
        )
        .order_by(Programme.sort_order, Programme.name_da)
    ).all()


def _check_place(
    db: Session, *, institution_id: int | None, programme_id: int | None
) -> dict[str, LazyText | str]:
    errors: dict[str, LazyText | str] = {}
    institution = db.get(Organisation, institution_id) if institution_id is not None else None
    if (
        institution is None
        or institution.kind is not OrganisationKind.YOUTH_INSTITUTION
        or not institution.active
    ):
        errors["institution_id"] = lazy_gettext("Choose an institution from the list.")
    programme = db.get(Programme, programme_id) if programme_id is not None else None
    if programme is None:
        errors["programme_id"] = lazy_gettext("Choose a programme from the list.")
    elif institution is not None and not errors:
        offered = _offered(db, institution.id)
        if programme.id not in offered:
            errors["programme_id"] = _not_offered(institution, list(offered.values()))
    return errors


def _offered(db: Session, institution_id: int) -> dict[int, str]:
    """The programmes the institution offers: id → name in the user's language."""
    name = Programme.name_da if get_locale() == "da" else Programme.name_en
    rows = db.execute(
        select(Programme.id, name)
        .join(InstitutionProgramme, InstitutionProgramme.programme_id == Programme.id)
        .where(InstitutionProgramme.institution_id == institution_id)
        .order_by(Programme.sort_order, name)
    )
    return dict(rows.tuples().all())


def _not_offered(institution: Organisation, offered: list[str]) -> LazyText:
    if not offered:
        return lazy_gettext(
            "%(institution)s has no programmes on record yet. Ask your guidance counsellor to "
            "invite you.",
            institution=institution.name,
        )
    return lazy_gettext(
        "%(institution)s does not offer this programme. It offers: %(programmes)s.",
        institution=institution.name,
        programmes=", ".join(offered),
    )


def _birth_date(raw: str, *, today: date) -> date | LazyText:
    """The date an applicant writes (2008-03-14 from a date field, or 14.03.2008), or why not.

    Ambassadors are students in youth education: someone under 15 or over 30 is told so.
    """
    value = raw.strip()
    if not value:
        return lazy_gettext("Write your birth date.")
    iso, danish = _ISO_DATE.match(value), _DANISH_DATE.match(value)
    try:
        if iso:
            born = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif danish:
            born = date(int(danish[3]), int(danish[2]), int(danish[1]))
        else:
            raise ValueError(value)
    except ValueError:
        return lazy_gettext("Write your birth date as a date, for example 14.03.2008.")
    if born > today:
        return lazy_gettext("The birth date is in the future. Check the year.")
    if born.year < EARLIEST_BIRTH_YEAR:
        return lazy_gettext("Check the year of your birth date.")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        return lazy_gettext(
            "The ambassador programme is for students in youth education, aged %(least)s to "
            "%(most)s.",
            least=MIN_AGE,
            most=MAX_AGE,
        )
    return born


def invite_ambassador(
    db: Session,
    *,
    actor: User,
    email: str,
    full_name: str,
    institution_id: int,
    programme_id: int,
    year_of_study: int,
    locale: str,
    settings: Settings,
) -> Ambassador:
    """The account (role ambassador, at the institution) and the ambassador, and the invitation."""
    errors = _check_place(db, institution_id=institution_id, programme_id=programme_id)
    if errors:
        raise InvalidInput(errors)
    try:
        user = invite_user(
            db,
            actor=actor,
            email=email,
            full_name=full_name,
            role=Role.AMBASSADOR,
            organisation_id=institution_id,
            locale=locale,
            settings=settings,
        )
    except InvalidInput as error:
        # The accounts service names the field after the user's organisation.
        raise InvalidInput(
            {
                ("institution_id" if key == "organisation_id" else key): message
                for key, message in error.field_errors.items()
            }
        ) from None
    ambassador = Ambassador(
        user_id=user.id,
        institution_id=institution_id,
        programme_id=programme_id,
        year_of_study=year_of_study,
        state=AmbassadorState.APPROVED,
    )
    db.add(ambassador)
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="ambassador_invited",
        object_type="ambassador",
        object_id=ambassador.id,
    )
    return ambassador


# --- the public application ----------------------------------------------------------------


def _count_against_limit(db: Session, *, ip: str | None, settings: Settings) -> None:
    """One more application from this address, or ``TooManyApplications``."""
    if not rate_limits.take(
        db,
        bucket=APPLICATION_BUCKET,
        key=rate_limits.limit_key("ip", ip or "unknown", settings),
        limit=settings.applications_per_ip_per_hour,
        window=RATE_WINDOW,
        now=utcnow(),
    ):
        raise TooManyApplications()


def apply(
    db: Session,
    *,
    email: str,
    full_name: str,
    institution_id: int,
    programme_id: int,
    year_of_study: int,
    birth_date: str,
    locale: str,
    ip: str | None,
    settings: Settings,
    clock: Clock = utcnow,
) -> Ambassador | None:
    """A pending application; ``None`` when the address is known (the caller must not say so).

    Only the year of the birth date is kept: it is all matching uses.
    """
    errors = _check_place(db, institution_id=institution_id, programme_id=programme_id)
    born = _birth_date(birth_date, today=clock().astimezone(LOCAL_TIMEZONE).date())
    if not isinstance(born, date):
        errors["birth_date"] = born
    if errors or not isinstance(born, date):
        raise InvalidInput(errors)
    _count_against_limit(db, ip=ip, settings=settings)
    address = normalise_email(email)
    if db.scalar(select(User.id).where(User.email == address)) is not None:
        record(db, actor_id=None, action="ambassador_application_duplicate", object_type="user")
        db.flush()
        return None
    user = User(
        email=address,
        full_name=full_name.strip(),
        role=Role.AMBASSADOR,
        organisation_id=institution_id,
        locale=locale,
        # No password and inactive: nobody can log in until an admin approves the application.
        is_active=False,
    )
    try:
        with db.begin_nested():
            db.add(user)
            db.flush()
    except IntegrityError:
        # The same address applied twice at once: the second is as silent as any duplicate.
        return None
    ambassador = Ambassador(
        user_id=user.id,
        institution_id=institution_id,
        programme_id=programme_id,
        year_of_study=year_of_study,
        birth_year=born.year,
        state=AmbassadorState.APPLIED,
    )
    db.add(ambassador)
    db.flush()
    queue_email(
        db,
        to=address,
        template="ambassador_application_received",
        locale=locale,
        context={"name": user.full_name},
    )
    record(
        db,
        actor_id=None,
        action="ambassador_applied",
        object_type="ambassador",
        object_id=ambassador.id,
    )
    db.flush()
    return ambassador
