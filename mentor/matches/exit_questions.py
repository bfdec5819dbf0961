"""The short exit question when a counsellor closes a match: to the pupil and to the ambassador.

Both are optional: the counsellor ticks them on the form that ends the match. The question is
the same for both — how was it (1–5, optional) and a comment — and each answers once
(``ExitAnswer`` is unique per match and respondent).

- The pupil has no account: a single-purpose link (``PupilLink`` with purpose EXIT and the
  match), made exactly like a meeting's feedback link (``mentor.meetings.feedback``): an HMAC of
  the link's row under the secret key, only its hash in the database, 14 days, one answer. It is
  e-mailed where the pupil's own address is known, and the school's coordinator finds it on the
  feedback-links page (``/school/feedback``) to hand out.
- The ambassador gets an e-mail with a link to ``/ambassador/exit/{match_id}``, behind their
  login. That the ambassador was asked is the audit event written when the e-mail is queued
  (no column holds it): the page opens only for a match whose ambassador was asked.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LazyText, lazy_gettext
from mentor.meetings.feedback import first_name_of
from mentor.models import (
    Ambassador,
    AuditEvent,
    ExitAnswer,
    ExitRespondent,
    Match,
    MatchState,
    Pupil,
    PupilLink,
    PupilLinkPurpose,
    PupilStatus,
    User,
)
from mentor.notifications.service import queue_email
from mentor.organisations.school_staff import ambassador_user
from mentor.policy import visible_pupil_ids
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr
from mentor.pupils.pupil_links import (
    AlreadyAnswered,
    link_address,
    open_pupil_link,
    seal,
)

EXIT = PupilLinkPurpose.EXIT
LINK_DAYS = 14
COMMENT_MAX_LENGTH = 1000
RATINGS = (1, 2, 3, 4, 5)
LIST_LIMIT = 500
# The audit event that records that the ambassador was asked.
_ASKED = {"action": "create", "object_type": "exit_question"}


@dataclass(frozen=True)
class ExitForm:
    """The exit question's values and messages: empty, except when bad input re-renders it."""

    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, object] = field(default_factory=dict)


def link_url(settings: Settings, link: PupilLink) -> str | None:
    """The exit link's address, recomputed; None when the secret key changed since."""
    return link_address(settings, link, "/x")


# Asked when the match closes


@dataclass(frozen=True)
class Asked:
    pupil_link: PupilLink | None
    pupil_emailed: bool
    ambassador: bool


def ask(
    db: Session,
    *,
    actor: User,
    match: Match,
    ask_pupil: bool,
    ask_ambassador: bool,
    now: datetime,
    settings: Settings,
) -> Asked:
    """Ask the exit question of a closed match's pupil and/or ambassador.

    Only a match that was accepted and then closed: a withdrawn proposal had nothing to ask
    about. An archived pupil gets no link.
    """
    if match.state is not MatchState.CLOSED:
        return Asked(pupil_link=None, pupil_emailed=False, ambassador=False)
    ambassador_user = db.scalar(
        select(User)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == match.ambassador_id)
    )
    pupil = db.get_one(Pupil, match.pupil_id)
    link: PupilLink | None = None
    emailed = False
    if ask_pupil and pupil.status is PupilStatus.ACTIVE:
        link = PupilLink(
            purpose=EXIT,
            # A random stand-in until the row has its id, which the token is made from.
            token_hash=secrets.token_hex(32),
            pupil_id=pupil.id,
            match_id=match.id,
            created_at=now,
            expires_at=now + timedelta(days=LINK_DAYS),
        )
        db.add(link)
        db.flush()
        token = seal(settings, link)
        if pupil.email:
            queue_email(
                db,
                to=pupil.email,
                template="exit_pupil",
                locale=settings.default_locale,
                context={
                    "first_name": pupil.first_name,
                    "ambassador": first_name_of(ambassador_user) if ambassador_user else "",
                    "link": f"{settings.base_url}/x/{token}",
                    "expires_at": link.expires_at,
                },
            )
            emailed = True
        record(
            db,
            actor_id=actor.id,
            object_id=match.id,
            pupil_id=pupil.id,
            details={"respondent": ExitRespondent.PUPIL.value, "link_id": link.id},
            **_ASKED,
        )
    asked_ambassador = False
    if ask_ambassador and ambassador_user is not None and ambassador_user.is_active:
        queue_email(
            db,
            to=ambassador_user.email,
            template="exit_ambassador",
            locale=ambassador_user.locale or "da",
            context={
                "name": ambassador_user.full_name,
                "first_name": pupil.first_name,
                "link": f"{settings.base_url}/ambassador/exit/{match.id}",
            },
        )
        record(
            db,
            actor_id=actor.id,
            object_id=match.id,
            pupil_id=pupil.id,
            details={"respondent": ExitRespondent.AMBASSADOR.value},
            **_ASKED,
        )
        asked_ambassador = True
    db.flush()
    return Asked(pupil_link=link, pupil_emailed=emailed, ambassador=asked_ambassador)


# The answer


CHOOSE_RATING: LazyText = lazy_gettext("Choose a number from 1 to 5, or none.")
NOT_ALLOWED: LazyText = lazy_gettext("The text contains characters that are not allowed.")


@dataclass(frozen=True)
class ExitReply:
    """The form as posted (strings): an optional rating and an optional comment."""

    rating: str
    comment: str


def _checked(reply: ExitReply) -> tuple[int | None, str | None]:
    errors: dict[str, LazyText | str] = {}
    raw = reply.rating.strip()
    rating = int(raw) if raw in {str(r) for r in RATINGS} else None
    if raw and rating is None:
        errors["rating"] = CHOOSE_RATING
    comment = reply.comment.strip()
    if "\x00" in comment:
        errors["comment"] = NOT_ALLOWED
    elif len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = lazy_gettext(
            "At most %(count)s characters, please.", count=COMMENT_MAX_LENGTH
        )
    elif contains_cpr(comment):
        errors["comment"] = CPR_MESSAGE
    if errors:
        raise InvalidInput(errors)
    return rating, comment or None


def _save(
    db: Session,
    *,
    match: Match,
    respondent: ExitRespondent,
    reply: ExitReply,
    actor_id: int | None,
    now: datetime,
) -> ExitAnswer:
    rating, comment = _checked(reply)
    answer = ExitAnswer(
        match_id=match.id,
        respondent=respondent,
        rating=rating,
        comment=comment,
        submitted_at=now,
    )
    try:
        # A double tap: the unique (match, respondent) lets one answer through.
        with db.begin_nested():
            db.add(answer)
            db.flush()
    except IntegrityError as error:
        raise AlreadyAnswered() from error
    record(
        db,
        actor_id=actor_id,
        action="create",
        object_type="exit_answer",
        object_id=answer.id,
        pupil_id=match.pupil_id,
        details={"match_id": match.id, "respondent": respondent.value},
    )
    db.flush()
    return answer


# The pupil's side


@dataclass(frozen=True)
class OpenedExit:
    link: PupilLink
    pupil: Pupil
    match: Match
    ambassador_name: str


def open_link(db: Session, *, token: str, now: datetime) -> OpenedExit:
    """The working exit link with this token; else one of the ``LinkUnavailable`` errors."""
    link = open_pupil_link(db, token=token, purpose=EXIT, now=now)
    assert link.match_id is not None  # the database's check: an exit link has a match
    match = db.get_one(Match, link.match_id)
    name = first_name_of(ambassador_user(db, match.ambassador_id))
    return OpenedExit(link=link, pupil=link.pupil, match=match, ambassador_name=name)


def answer_as_pupil(
    db: Session, *, opened: OpenedExit, reply: ExitReply, now: datetime
) -> ExitAnswer:
    """Save the pupil's one answer and close the link; nothing is written on bad input."""
    answer = _save(
        db,
        match=opened.match,
        respondent=ExitRespondent.PUPIL,
        reply=reply,
        actor_id=None,
        now=now,
    )
    opened.link.used_at = now
    db.flush()
    return answer


# The ambassador's side


def ambassadors_match(db: Session, *, user: User, match_id: int) -> Match:
    """The ambassador's own closed match whose exit question they were asked; else NotFound."""
    match = db.scalar(
        select(Match)
        .options(joinedload(Match.pupil))
        .join(Ambassador, Ambassador.id == Match.ambassador_id)
        .where(
            Match.id == match_id,
            Ambassador.user_id == user.id,
            Match.state == MatchState.CLOSED,
        )
    )
    if match is None or not _ambassador_was_asked(db, match_id=match.id):
        raise NotFound()
    return match


def _ambassador_was_asked(db: Session, *, match_id: int) -> bool:
    details = db.scalars(
        select(AuditEvent.details).where(
            AuditEvent.object_type == _ASKED["object_type"],
            AuditEvent.action == _ASKED["action"],
            AuditEvent.object_id == str(match_id),
        )
    ).all()
    return any((d or {}).get("respondent") == ExitRespondent.AMBASSADOR.value for d in details)


def ambassador_answered(db: Session, *, match: Match) -> bool:
    return (
        db.scalar(
            select(ExitAnswer.id).where(
                ExitAnswer.match_id == match.id,
                ExitAnswer.respondent == ExitRespondent.AMBASSADOR,
            )
        )
        is not None
    )


def answer_as_ambassador(
    db: Session, *, user: User, match: Match, reply: ExitReply, now: datetime
) -> ExitAnswer:
    if ambassador_answered(db, match=match):
        raise AlreadyAnswered()
    return _save(
        db,
        match=match,
        respondent=ExitRespondent.AMBASSADOR,
        reply=reply,
        actor_id=user.id,
        now=now,
    )


# The coordinator's list


@dataclass(frozen=True)
class ExitLinkRow:
    link: PupilLink
    pupil: Pupil
    url: str | None  # None once answered, or when it cannot be recomputed
    answered: bool


def school_exit_links(
    db: Session, *, user: User, now: datetime, settings: Settings
) -> list[ExitLinkRow]:
    """The exit links of the user's pupils that have not expired, newest first."""
    links: Sequence[PupilLink] = db.scalars(
        select(PupilLink)
        .join(Pupil, Pupil.id == PupilLink.pupil_id)
        .options(joinedload(PupilLink.pupil))
        .where(
            PupilLink.purpose == EXIT,
            PupilLink.revoked_at.is_(None),
            PupilLink.expires_at > now,
            PupilLink.pupil_id.in_(visible_pupil_ids(user)),
            Pupil.status == PupilStatus.ACTIVE,
        )
        .order_by(PupilLink.created_at.desc(), Pupil.sort_name, PupilLink.id)
        .limit(LIST_LIMIT)
    ).all()
    return [
        ExitLinkRow(
            link=link,
            pupil=link.pupil,
            url=None if link.used_at is not None else link_url(settings, link),
            answered=link.used_at is not None,
        )
        for link in links
    ]
