"""Questionnaire rules: personal links for a pupil, a class or a school; revoking; the answers.

A link opens one pupil's questionnaire and nothing else. Only the SHA-256 of a link's token is
stored; the token is made from the link's row under the secret key (``pupils.pupil_links``), so
the staff can be shown the same link again (``sending.shown_link``) while a copy of the database
alone opens nothing. A pupil has one current link: making a new one (asked first) revokes the
older ones; sending to a class skips pupils whose link still works.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, case, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from mentor.accounts.links import hash_token
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import Conflict, DomainError, InvalidInput, NotFound
from mentor.i18n import LOCAL_TIMEZONE, LazyText, lazy_gettext
from mentor.models import (
    Interest,
    InterestGroup,
    Organisation,
    Programme,
    Pupil,
    PupilInterest,
    PupilLink,
    PupilLinkPurpose,
    PupilProgrammeInterest,
    PupilStatus,
    User,
)
from mentor.notifications.service import queue_email
from mentor.policy import enrolment_school_ids, may_enrol_at, visible_pupils
from mentor.pupils.pupil_links import seal
from mentor.questionnaire.forms import HOME_LANGUAGES, OTHER_LANGUAGE, Answers, Delivery

QUESTIONNAIRE = PupilLinkPurpose.QUESTIONNAIRE


class LinkUnavailable(DomainError):
    """Unknown (404) or no longer working (410): the pupil sees the same friendly page."""

    status_code = 404
    default_message = lazy_gettext("This link does not work.")


class LinkGone(LinkUnavailable):
    status_code = 410


class Recipient(StrEnum):
    PUPIL = "pupil"
    GUARDIAN = "guardian"


def email_recipient(pupil: Pupil) -> tuple[Recipient, str] | None:
    """Where the link is e-mailed: the pupil's own address, else the guardian's, else nowhere."""
    if pupil.email:
        return Recipient.PUPIL, pupil.email
    if pupil.guardian_email:
        return Recipient.GUARDIAN, pupil.guardian_email
    return None


# Scope: the schools and classes a user sends to


@dataclass(frozen=True)
class ClassSummary:
    class_name: str  # "" for pupils without a class
    pupils: int
    answered: int
    with_link: int
    without_address: int


@dataclass(frozen=True)
class PupilState:
    pupil: Pupil
    link: PupilLink | None  # the newest questionnaire link, working or not
    link_works: bool


def enrolment_schools(db: Session, *, user: User) -> Sequence[Organisation]:
    return db.scalars(
        select(Organisation)
        .where(Organisation.id.in_(enrolment_school_ids(user)))
        .order_by(Organisation.name)
    ).all()


def enrolment_school(db: Session, *, user: User, school_id: int) -> Organisation:
    """A school of the user's enrolment scope; any other is 404, not even confirmed to exist."""
    school = db.get(Organisation, school_id)
    if school is None or not may_enrol_at(db, user, school_id):
        raise NotFound()
    return school


def _active_pupils(user: User, school: Organisation) -> Select[tuple[Pupil]]:
    return visible_pupils(user).where(
        Pupil.school_id == school.id,
        Pupil.school_id.in_(enrolment_school_ids(user)),
        Pupil.status == PupilStatus.ACTIVE,
    )


def _class_filter(class_name: str) -> ColumnElement[bool]:
    return Pupil.class_name.is_(None) if class_name == "" else Pupil.class_name == class_name


# Æ, Ø and Å come after Z in Danish; "{", "|" and "}" are the code points right after "z".
_DANISH_LETTERS = str.maketrans("æøå", "{|}")


def _danish(text: str) -> str:
    return text.lower().translate(_DANISH_LETTERS)


def _in_class_order(pupils: Sequence[Pupil]) -> list[Pupil]:
    """By grade and class (8.A before 10.A), then by name, as a class list is kept."""
    return sorted(
        pupils,
        key=lambda p: (
            p.grade,
            _danish(p.class_name or ""),
            _danish(p.first_name),
            _danish(p.last_name),
            p.id,
        ),
    )


def open_link_condition(now: datetime) -> ColumnElement[bool]:
    return (
        (PupilLink.purpose == QUESTIONNAIRE)
        & PupilLink.revoked_at.is_(None)
        & (PupilLink.expires_at > now)
    )


def class_summaries(db: Session, *, user: User, school: Organisation) -> list[ClassSummary]:
    """Per class: how many pupils, how many answered, have a working link, have no address."""
    pupils = _active_pupils(user, school).subquery()
    with_link = (
        select(PupilLink.pupil_id).where(open_link_condition(utcnow())).distinct().subquery()
    )
    no_address = (pupils.c.email.is_(None)) & (pupils.c.guardian_email.is_(None))
    rows = db.execute(
        select(
            pupils.c.class_name,
            func.count(),
            func.count(pupils.c.questionnaire_completed_at),
            func.count(with_link.c.pupil_id),
            func.sum(case((no_address, 1), else_=0)),
            func.min(pupils.c.grade),
        )
        .select_from(pupils)
        .outerjoin(with_link, with_link.c.pupil_id == pupils.c.id)
        .group_by(pupils.c.class_name)
    ).all()
    summaries = [
        (
            grade,
            _danish(name or ""),
            ClassSummary(
                class_name=name or "",
                pupils=count,
                answered=answered,
                with_link=linked,
                without_address=int(missing or 0),
            ),
        )
        for name, count, answered, linked, missing, grade in rows
    ]
    return [summary for _grade, _name, summary in sorted(summaries, key=lambda s: s[:2])]


def class_pupils(
    db: Session, *, user: User, school: Organisation, class_name: str | None
) -> list[Pupil]:
    """The active pupils of a class (``""``: those without one), or of the school (None)."""
    query = _active_pupils(user, school)
    if class_name is not None:
        query = query.where(_class_filter(class_name))
    return _in_class_order(db.scalars(query).all())


def class_states(db: Session, *, pupils: Sequence[Pupil]) -> list[PupilState]:
    """Each pupil with the newest questionnaire link: the class overview, in one more query."""
    now = utcnow()
    newest: dict[int, PupilLink] = {}
    links = db.scalars(
        select(PupilLink)
        .where(PupilLink.pupil_id.in_([p.id for p in pupils]), PupilLink.purpose == QUESTIONNAIRE)
        .order_by(PupilLink.created_at, PupilLink.id)
    )
    for found in links:
        newest[found.pupil_id] = found
    states = []
    for pupil in pupils:
        link = newest.get(pupil.id)
        works = link is not None and link.revoked_at is None and link.expires_at > now
        states.append(PupilState(pupil=pupil, link=link, link_works=works))
    return states


def current_link(db: Session, *, pupil_id: int) -> PupilLink | None:
    """The pupil's working questionnaire link, for the pupil page's panel."""
    return db.scalar(
        select(PupilLink)
        .where(PupilLink.pupil_id == pupil_id, open_link_condition(utcnow()))
        .order_by(PupilLink.created_at.desc(), PupilLink.id.desc())
        .limit(1)
    )


# Making, sending and revoking links


@dataclass(frozen=True)
class IssuedLink:
    pupil: Pupil
    url: str
    expires_at: datetime
    emailed_to: tuple[Recipient, str] | None
    earlier: bool = False  # a working link made before, shown again on a sheet


def _revoke(db: Session, *, pupil_ids: Sequence[int], now: datetime) -> int:
    if not pupil_ids:
        return 0
    result = db.execute(
        update(PupilLink)
        .where(PupilLink.pupil_id.in_(pupil_ids), open_link_condition(now))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def issue_links(
    db: Session,
    *,
    actor: User,
    school: Organisation,
    pupils: Sequence[Pupil],
    delivery: Delivery,
    settings: Settings,
) -> list[IssuedLink]:
    """A new personal link for each pupil, revoking their older ones; e-mailed if asked.

    The e-mails are queued in the caller's transaction and delivered after its commit.
    """
    if not pupils:
        raise NotFound()
    if any(p.status is not PupilStatus.ACTIVE for p in pupils):
        raise Conflict(lazy_gettext("Links can only be sent to active pupils."))
    now = utcnow()
    expires_at = now + timedelta(days=settings.questionnaire_link_ttl_days)
    _revoke(db, pupil_ids=[p.id for p in pupils], now=now)
    issued = []
    for pupil in pupils:
        link = PupilLink(
            purpose=QUESTIONNAIRE,
            # A random stand-in until the row has its id, which the token is made from.
            token_hash=secrets.token_hex(32),
            pupil_id=pupil.id,
            created_at=now,
            expires_at=expires_at,
        )
        db.add(link)
        db.flush()
        url = f"{settings.base_url}/q/{seal(settings, link)}"
        recipient = email_recipient(pupil) if delivery is Delivery.EMAIL else None
        if recipient is not None:
            queue_email(
                db,
                to=recipient[1],
                template=f"questionnaire_{recipient[0].value}",
                locale=settings.default_locale,
                context={
                    "first_name": pupil.first_name,
                    "school": school.name,
                    "link": url,
                    "expires_at": expires_at,
                },
            )
        record(
            db,
            actor_id=actor.id,
            action="questionnaire_link_created",
            object_type="pupil",
            object_id=pupil.id,
            pupil_id=pupil.id,
            details={"emailed_to": recipient[0].value if recipient else None},
        )
        issued.append(IssuedLink(pupil=pupil, url=url, expires_at=expires_at, emailed_to=recipient))
    db.flush()
    return issued


def revoke_links(db: Session, *, actor: User, pupils: Sequence[Pupil]) -> int:
    """Take back the working links of these pupils (a sheet left behind); returns how many."""
    revoked = _revoke(db, pupil_ids=[p.id for p in pupils], now=utcnow())
    if revoked:
        for pupil in pupils:
            record(
                db,
                actor_id=actor.id,
                action="questionnaire_link_revoked",
                object_type="pupil",
                object_id=pupil.id,
                pupil_id=pupil.id,
            )
    db.flush()
    return revoked


# The pupil's side


def open_link(db: Session, *, token: str) -> PupilLink:
    """The working link with this token and its pupil; else LinkUnavailable (404) or LinkGone."""
    found = db.scalar(
        select(PupilLink)
        .options(joinedload(PupilLink.pupil))
        .where(PupilLink.token_hash == hash_token(token), PupilLink.purpose == QUESTIONNAIRE)
    )
    if found is None:
        raise LinkUnavailable()
    link = found
    if (
        link.revoked_at is not None
        or link.expires_at <= utcnow()
        or link.pupil.status is not PupilStatus.ACTIVE
    ):
        raise LinkGone()
    return link


@dataclass(frozen=True)
class InterestChoices:
    group: InterestGroup
    interests: list[Interest]


@dataclass(frozen=True)
class Choices:
    interest_groups: list[InterestChoices]
    programmes: list[Programme]


def local_today() -> date:
    return datetime.now(LOCAL_TIMEZONE).date()


def questionnaire_choices(db: Session) -> Choices:
    """The active interests by group, and the programmes valid today."""
    interests = db.scalars(
        select(Interest)
        .join(InterestGroup, InterestGroup.id == Interest.group_id)
        .options(joinedload(Interest.group))
        .where(Interest.active.is_(True))
        .order_by(InterestGroup.sort_order, InterestGroup.id, Interest.sort_order, Interest.id)
    ).all()
    groups: dict[int, InterestChoices] = {}
    for interest in interests:
        choice = groups.setdefault(interest.group_id, InterestChoices(interest.group, []))
        choice.interests.append(interest)
    today = local_today()
    programmes = db.scalars(
        select(Programme)
        .where(
            or_(Programme.valid_from.is_(None), Programme.valid_from <= today),
            or_(Programme.valid_to.is_(None), Programme.valid_to >= today),
        )
        .order_by(Programme.sort_order, Programme.code)
    ).all()
    return Choices(interest_groups=list(groups.values()), programmes=list(programmes))


@dataclass(frozen=True)
class SavedAnswers:
    interest_ids: list[int]
    programme_ids: list[int]  # by rank


def saved_answers(db: Session, *, pupil: Pupil) -> SavedAnswers:
    interest_ids = db.scalars(
        select(PupilInterest.interest_id).where(PupilInterest.pupil_id == pupil.id)
    ).all()
    programme_ids = db.scalars(
        select(PupilProgrammeInterest.programme_id)
        .where(PupilProgrammeInterest.pupil_id == pupil.id)
        .order_by(PupilProgrammeInterest.rank)
    ).all()
    return SavedAnswers(interest_ids=list(interest_ids), programme_ids=list(programme_ids))


NOT_AN_OPTION: LazyText = lazy_gettext("Choose one of the options.")


def _languages(answer: list[str], before: list[str]) -> list[str]:
    """The ticked languages; "another language" keeps codes the school's file gave before."""
    codes = [code for code in answer if code != OTHER_LANGUAGE]
    if OTHER_LANGUAGE in answer:
        unlisted = [code for code in before if code not in HOME_LANGUAGES]
        codes += unlisted or [OTHER_LANGUAGE]
    return codes


def answer(db: Session, *, link: PupilLink, answers: Answers) -> Pupil:
    """Save the pupil's answers, replacing earlier ones; the link keeps working until it expires."""
    pupil = link.pupil
    choices = questionnaire_choices(db)
    interest_ids = {i.id for group in choices.interest_groups for i in group.interests}
    programme_ids = {p.id for p in choices.programmes}
    errors: dict[str, LazyText | str] = {}
    if not set(answers.interest_ids) <= interest_ids:
        errors["interests"] = NOT_AN_OPTION
    for rank, programme_id in enumerate(answers.programme_ids, start=1):
        if programme_id not in programme_ids:
            errors.setdefault(f"programme_{rank}", NOT_AN_OPTION)
    if errors:
        raise InvalidInput(errors)

    db.execute(delete(PupilInterest).where(PupilInterest.pupil_id == pupil.id))
    db.execute(delete(PupilProgrammeInterest).where(PupilProgrammeInterest.pupil_id == pupil.id))
    db.add_all(
        PupilInterest(pupil_id=pupil.id, interest_id=interest_id)
        for interest_id in dict.fromkeys(answers.interest_ids)
    )
    db.add_all(
        PupilProgrammeInterest(pupil_id=pupil.id, programme_id=programme_id, rank=rank)
        for rank, programme_id in enumerate(answers.programme_ids, start=1)
    )
    now = utcnow()
    pupil.languages = _languages(answers.languages, pupil.languages or [])
    pupil.conversation_wish = answers.conversation_wish
    pupil.wants_alumnus = {"yes": True, "no": False, "any": None}[answers.wants_alumnus]
    first_time = pupil.questionnaire_completed_at is None
    pupil.questionnaire_completed_at = now
    link.used_at = link.used_at or now
    # No login, so no actor; and no IP address either: a child's answer needs none kept.
    record(
        db,
        actor_id=None,
        action="questionnaire_answered",
        object_type="pupil",
        object_id=pupil.id,
        pupil_id=pupil.id,
        details={"first_time": first_time, "link_id": link.id},
    )
    db.flush()
    return pupil
