"""The handoff after an ambassador says yes: who is told, and how the school passes it on.

When an ambassador accepts, the coordinators of the pupil's school and the school's counsellors
are e-mailed, and so is the guardian where consent was given and the school's file has an
address: who the ambassador is, what happens next and how to withdraw, in the default language
(the school's file does not say which language a family reads). Nothing about the pupil or the
guardian goes the other way: the ambassador is given the school coordinators' work addresses.

The coordinator's list of matches to pass on, and the lines on the staff home pages, are derived
from the matches themselves (accepted, not yet handed over), not from a table of notifications.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import locked
from mentor.errors import Conflict, NotFound
from mentor.i18n import lazy_gettext
from mentor.models import (
    Ambassador,
    ConsentState,
    Match,
    MatchState,
    Organisation,
    Programme,
    Pupil,
    User,
)
from mentor.notifications.service import queue_email
from mentor.organisations.school_staff import (
    coordinators_by_school,
    coordinators_of,
    counsellors_of,
)
from mentor.policy import enrolment_school_ids

# The counsellor's home page counts the matches accepted this recently.
RECENT_DAYS = 14
# A page lists at most this many; the heading says how many there are in all.
LIST_LIMIT = 200
PAGE_PATH = "/school/matches"

MATCH_ENDED = lazy_gettext("This match has just ended. Reload the page to see the list as it is.")


@dataclass(frozen=True)
class Contact:
    """A school coordinator as others may reach them: name and work e-mail."""

    name: str
    email: str


@dataclass(frozen=True)
class Handoff:
    """An accepted match as the school passes it on: the pupil (school staff know the pupil)
    and who the ambassador is (first name, programme, institution)."""

    match_id: int
    school_id: int
    school: str
    pupil_first_name: str
    pupil_last_name: str
    class_name: str | None
    grade: int
    ambassador_first_name: str
    programme: str
    institution: str
    accepted_at: datetime | None
    handed_over_at: datetime | None

    @property
    def pupil_name(self) -> str:
        return f"{self.pupil_first_name} {self.pupil_last_name}"


def first_name(full_name: str) -> str:
    """The first of a person's names: what a pupil, a guardian or a calendar is told."""
    return full_name.split(maxsplit=1)[0] if full_name.strip() else full_name


def programme_name(name_da: str, name_en: str, locale: str) -> str:
    return name_da if locale == "da" else name_en


def school_coordinators(db: Session, school_ids: Collection[int]) -> dict[int, list[Contact]]:
    """The active coordinators of each school, by name: one query for any number of schools."""
    return {
        school_id: [Contact(name=user.full_name, email=user.email) for user in users]
        for school_id, users in coordinators_by_school(db, school_ids).items()
    }


# Telling the school and the guardian


def _ambassador_facts(db: Session, ambassador_id: int) -> tuple[str, str, str, str]:
    """(full name, programme in Danish, in English, institution) of one ambassador."""
    institution = aliased(Organisation)
    row = db.execute(
        select(User.full_name, Programme.name_da, Programme.name_en, institution.name)
        .select_from(Ambassador)
        .join(User, User.id == Ambassador.user_id)
        .join(Programme, Programme.id == Ambassador.programme_id)
        .join(institution, institution.id == Ambassador.institution_id)
        .where(Ambassador.id == ambassador_id)
    ).one()
    return row[0], row[1], row[2], row[3]


def announce_accepted(db: Session, *, match: Match, settings: Settings) -> None:
    """E-mail the school's coordinators and counsellors, and the guardian, that ``match`` was
    accepted."""
    pupil = db.get_one(Pupil, match.pupil_id)
    school = db.get_one(Organisation, pupil.school_id)
    full_name, programme_da, programme_en, institution = _ambassador_facts(db, match.ambassador_id)
    coordinators = coordinators_of(db, pupil.school_id)
    counsellors = counsellors_of(db, pupil.school_id)
    common: dict[str, Any] = {
        "pupil_name": f"{pupil.first_name} {pupil.last_name}",
        "class_name": pupil.class_name or str(pupil.grade),
        "school": school.name,
        "ambassador_name": full_name,
        "institution": institution,
        "link": f"{settings.base_url}{PAGE_PATH}",
    }
    for template, staff in (
        ("match_accepted_coordinator", coordinators),
        ("match_accepted_counsellor", counsellors),
    ):
        for user in staff:
            locale = user.locale or "da"
            queue_email(
                db,
                to=user.email,
                template=template,
                locale=locale,
                context={
                    **common,
                    "name": user.full_name,
                    "programme": programme_name(programme_da, programme_en, locale),
                },
            )
    if pupil.consent_state is ConsentState.GIVEN and pupil.guardian_email:
        locale = settings.default_locale
        queue_email(
            db,
            to=pupil.guardian_email,
            template="match_accepted_guardian",
            locale=locale,
            context={
                "first_name": pupil.first_name,
                "school": school.name,
                "ambassador": first_name(full_name),
                "programme": programme_name(programme_da, programme_en, locale),
                "institution": institution,
                "coordinators": [Contact(name=u.full_name, email=u.email) for u in coordinators],
            },
        )


def tell_ambassador_match_ended(db: Session, *, match: Match) -> None:
    """E-mail the ambassador that an accepted match has ended: the pupil's first name and a
    neutral sentence, never the reason (it may hold personal details)."""
    row = db.execute(
        select(User.email, User.full_name, User.locale, Pupil.first_name)
        .select_from(Match)
        .join(Ambassador, Ambassador.id == Match.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(Match.id == match.id)
    ).one()
    email, full_name, locale, pupil_first_name = row
    queue_email(
        db,
        to=email,
        template="match_ended",
        locale=locale or "da",
        context={"name": full_name, "first_name": pupil_first_name},
    )


# The school's list of matches to pass on


def _in_scope(user: User) -> ColumnElement[bool]:
    # The pupils of the schools this user enrols: a coordinator's own, a counsellor's caseload.
    return Pupil.school_id.in_(enrolment_school_ids(user))


def _waiting() -> tuple[ColumnElement[bool], ...]:
    return (Match.state == MatchState.ACCEPTED, Match.handed_over_at.is_(None))


def waiting_count(db: Session, user: User) -> int:
    """How many accepted matches of the user's pupils are still to be passed on."""
    query = (
        select(func.count(Match.id))
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(*_waiting(), _in_scope(user))
    )
    return db.scalar(query) or 0


def recently_accepted_count(db: Session, user: User, *, now: datetime) -> int:
    """How many matches of the user's pupils were accepted in the last ``RECENT_DAYS`` days and
    are still going."""
    query = (
        select(func.count(Match.id))
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(
            Match.state == MatchState.ACCEPTED,
            Match.responded_at >= now - timedelta(days=RECENT_DAYS),
            _in_scope(user),
        )
    )
    return db.scalar(query) or 0


def _handoffs(user: User) -> Select[Any]:
    school = aliased(Organisation)
    institution = aliased(Organisation)
    return (
        select(
            Match.id,
            Pupil.school_id,
            school.name,
            Pupil.first_name,
            Pupil.last_name,
            Pupil.class_name,
            Pupil.grade,
            User.full_name,
            Programme.name_da,
            Programme.name_en,
            institution.name,
            Match.responded_at,
            Match.handed_over_at,
        )
        .select_from(Match)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .join(school, school.id == Pupil.school_id)
        .join(Ambassador, Ambassador.id == Match.ambassador_id)
        .join(User, User.id == Ambassador.user_id)
        .join(Programme, Programme.id == Ambassador.programme_id)
        .join(institution, institution.id == Ambassador.institution_id)
        .where(Match.state == MatchState.ACCEPTED, _in_scope(user))
    )


def _rows(db: Session, query: Select[Any], locale: str) -> list[Handoff]:
    return [
        Handoff(
            match_id=row[0],
            school_id=row[1],
            school=row[2],
            pupil_first_name=row[3],
            pupil_last_name=row[4],
            class_name=row[5],
            grade=row[6],
            ambassador_first_name=first_name(row[7]),
            programme=programme_name(row[8], row[9], locale),
            institution=row[10],
            accepted_at=row[11],
            handed_over_at=row[12],
        )
        for row in db.execute(query)
    ]


def to_hand_over(db: Session, user: User, *, locale: str) -> list[Handoff]:
    """Accepted matches not yet passed on to the pupil, longest waiting first."""
    query = (
        _handoffs(user)
        .where(Match.handed_over_at.is_(None))
        .order_by(Match.responded_at, Match.id)
        .limit(LIST_LIMIT)
    )
    return _rows(db, query, locale)


def recently_handed_over(db: Session, user: User, *, now: datetime, locale: str) -> list[Handoff]:
    """Matches passed on in the last ``RECENT_DAYS`` days (to print a note again), newest first."""
    query = (
        _handoffs(user)
        .where(Match.handed_over_at >= now - timedelta(days=RECENT_DAYS))
        .order_by(Match.handed_over_at.desc(), Match.id.desc())
        .limit(LIST_LIMIT)
    )
    return _rows(db, query, locale)


def handoff(db: Session, user: User, match_id: int, *, locale: str) -> Handoff:
    """One accepted match of the user's pupils; anything else is a 404 (not even confirmed to
    exist)."""
    found = _rows(db, _handoffs(user).where(Match.id == match_id), locale)
    if not found:
        raise NotFound()
    return found[0]


def mark_handed_over(db: Session, *, actor: User, match_id: int, now: datetime) -> Match:
    """The coordinator has passed the match on to the pupil. Marking it twice changes nothing."""
    match = db.scalar(
        select(Match)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(Match.id == match_id, Match.state == MatchState.ACCEPTED, _in_scope(actor))
    )
    if match is None:
        raise NotFound()
    # Serialises with a counsellor ending the match at the same moment.
    match = locked(db, match)
    if match.state is not MatchState.ACCEPTED:
        raise Conflict(MATCH_ENDED)
    if match.handed_over_at is not None:
        return match
    match.handed_over_at = now
    db.flush()
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="match",
        object_id=match.id,
        pupil_id=match.pupil_id,
        details={"handed_over_at": now.isoformat()},
    )
    return match
