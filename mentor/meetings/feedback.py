"""Pupils' feedback on a meeting: single-purpose links, the answer, and what an ambassador sees.

Every pupil a meeting log marks present gets a link (``PupilLink`` with purpose FEEDBACK and the
meeting) that opens one short form: a 1–5 rating, "did it help you think about your choice?" and
an optional comment. It works once (``used_at``), for ``LINK_DAYS`` days, and the school hands
it out (the coordinator's list with a QR code) besides the e-mail to the pupil's own address.

Why the token is derived, not stored. Like every pupil link, only the SHA-256 of the token is in
the database, so a copy of the database opens no feedback form. But the coordinator must be able
to show the link again, on the day the class has time for it, long after the e-mail went out;
issuing fresh links at that point would break the link the pupil already has in the e-mail. So
the token is an HMAC of the link's row (its id, meeting and pupil) under ``settings.secret_key``:
the server can recompute it for the coordinator's page, while the database alone reveals
nothing (the key is not in it). 128 bits of the HMAC are used, as many as the questionnaire's
random tokens. If the key is ever changed, the recomputed token no longer matches the stored
hash: the page then says so instead of showing a link that does not work.

An ambassador sees their own average rating only once ``MIN_ANSWERS_SHOWN`` pupils have
answered, and the figures move in steps of that many answers (the newest answers beyond a
multiple of it wait for the next ones), so that neither a first answer nor any single new one
can be read off the number.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    Ambassador,
    Feedback,
    Helpfulness,
    Meeting,
    Pupil,
    PupilLink,
    PupilLinkPurpose,
    PupilStatus,
    User,
)
from mentor.notifications.service import queue_email
from mentor.organisations.school_staff import ambassador_user
from mentor.policy import visible_meeting_ids, visible_pupil_ids
from mentor.privacy.cpr import CPR_MESSAGE, contains_cpr
from mentor.pupils.pupil_links import (
    AlreadyAnswered,
    link_address,
    open_pupil_link,
    seal,
)

FEEDBACK = PupilLinkPurpose.FEEDBACK
LINK_DAYS = 14
COMMENT_MAX_LENGTH = 1000
RATINGS = (1, 2, 3, 4, 5)
#: An ambassador's average is shown from this many answers on, and moves in steps of as many.
MIN_ANSWERS_SHOWN = 3
# The coordinator's list: links of the last weeks' meetings, a school's worth at most.
LIST_LIMIT = 500


def link_url(settings: Settings, link: PupilLink) -> str | None:
    """The feedback link's address, recomputed; None when the secret key changed since."""
    return link_address(settings, link, "/f")


def first_name_of(user: User) -> str:
    return user.full_name.split(maxsplit=1)[0] if user.full_name.strip() else ""


# Issued by the meeting log


def issue_links(
    db: Session,
    *,
    meeting: Meeting,
    pupils: Sequence[Pupil],
    ambassador_name: str,
    now: datetime,
    settings: Settings,
) -> list[PupilLink]:
    """A feedback link for each of ``pupils`` (marked present) who has none that still counts.

    A pupil who already answered, or has a link that was not taken back, gets nothing new: a
    log saved twice sends no second e-mail. A new link is e-mailed where the pupil's own
    address is known, in the default language (a pupil has no account to choose one).
    """
    if not pupils:
        return []
    ids = [pupil.id for pupil in pupils]
    covered = set(
        db.scalars(
            select(PupilLink.pupil_id).where(
                PupilLink.meeting_id == meeting.id,
                PupilLink.purpose == FEEDBACK,
                PupilLink.pupil_id.in_(ids),
                PupilLink.revoked_at.is_(None),
            )
        )
    )
    covered |= set(
        db.scalars(
            select(Feedback.pupil_id).where(
                Feedback.meeting_id == meeting.id, Feedback.pupil_id.in_(ids)
            )
        )
    )
    issued = []
    for pupil in pupils:
        if pupil.id in covered or pupil.status is not PupilStatus.ACTIVE:
            continue
        link = PupilLink(
            purpose=FEEDBACK,
            # A random stand-in until the row has its id, which the token is made from.
            token_hash=secrets.token_hex(32),
            pupil_id=pupil.id,
            meeting_id=meeting.id,
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
                template="feedback_pupil",
                locale=settings.default_locale,
                context={
                    "first_name": pupil.first_name,
                    "ambassador": ambassador_name,
                    "meeting_at": meeting.starts_at,
                    "link": f"{settings.base_url}/f/{token}",
                    "expires_at": link.expires_at,
                },
            )
        issued.append(link)
    db.flush()
    return issued


def revoke_links(db: Session, *, meeting: Meeting, pupil_ids: Sequence[int], now: datetime) -> int:
    """Take back the unused links of pupils no longer marked present; returns how many."""
    if not pupil_ids:
        return 0
    result = db.execute(
        update(PupilLink)
        .where(
            PupilLink.meeting_id == meeting.id,
            PupilLink.purpose == FEEDBACK,
            PupilLink.pupil_id.in_(pupil_ids),
            PupilLink.revoked_at.is_(None),
            PupilLink.used_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# The pupil's side


@dataclass(frozen=True)
class OpenedLink:
    link: PupilLink
    pupil: Pupil
    meeting: Meeting
    ambassador_name: str


def open_link(db: Session, *, token: str, now: datetime) -> OpenedLink:
    """The working feedback link with this token; else one of the ``LinkUnavailable`` errors."""
    link = open_pupil_link(db, token=token, purpose=FEEDBACK, now=now)
    assert link.meeting_id is not None  # the database's check: a feedback link has a meeting
    meeting = db.get_one(Meeting, link.meeting_id)
    name = first_name_of(ambassador_user(db, meeting.ambassador_id))
    return OpenedLink(link=link, pupil=link.pupil, meeting=meeting, ambassador_name=name)


CHOOSE_RATING: LazyText = lazy_gettext("Choose a number from 1 to 5.")
CHOOSE_HELPED: LazyText = lazy_gettext("Choose yes, partly or no.")


@dataclass(frozen=True)
class FeedbackAnswer:
    """The form as posted (strings), checked by :func:`give_feedback`."""

    rating: str
    helped: str
    comment: str


def _checked(answer: FeedbackAnswer) -> tuple[int, Helpfulness, str | None]:
    errors: dict[str, LazyText | str] = {}
    rating = int(answer.rating) if answer.rating.strip() in {str(r) for r in RATINGS} else None
    if rating is None:
        errors["rating"] = CHOOSE_RATING
    try:
        helped: Helpfulness | None = Helpfulness(answer.helped.strip())
    except ValueError:
        helped = None
        errors["helped"] = CHOOSE_HELPED
    comment = answer.comment.strip().replace("\x00", "")
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = lazy_gettext(
            "At most %(count)s characters, please.", count=COMMENT_MAX_LENGTH
        )
    elif contains_cpr(comment):
        errors["comment"] = CPR_MESSAGE
    if errors or rating is None or helped is None:
        raise InvalidInput(errors)
    return rating, helped, comment or None


def give_feedback(
    db: Session, *, opened: OpenedLink, answer: FeedbackAnswer, now: datetime
) -> Feedback:
    """Save the pupil's one answer and close the link; nothing is written on bad input."""
    rating, helped, comment = _checked(answer)
    link = opened.link
    feedback = Feedback(
        meeting_id=opened.meeting.id,
        pupil_id=opened.pupil.id,
        rating=rating,
        helped=helped,
        comment=comment,
        submitted_at=now,
    )
    try:
        # Two posts at once (a double tap): the unique (meeting, pupil) lets one through.
        with db.begin_nested():
            db.add(feedback)
            db.flush()
    except IntegrityError as error:
        raise AlreadyAnswered() from error
    link.used_at = now
    # No login, so no actor; and no IP address: a child's answer needs none kept.
    record(
        db,
        actor_id=None,
        action="create",
        object_type="feedback",
        object_id=feedback.id,
        pupil_id=opened.pupil.id,
        details={"meeting_id": opened.meeting.id, "link_id": link.id},
    )
    db.flush()
    return feedback


def meeting_feedback(db: Session, *, meeting: Meeting) -> Sequence[Feedback]:
    """The pupils' answers about one meeting, for the counsellor's view of its log."""
    return db.scalars(
        select(Feedback)
        .where(Feedback.meeting_id == meeting.id)
        .order_by(Feedback.submitted_at, Feedback.id)
    ).all()


# The coordinator's list


@dataclass(frozen=True)
class LinkRow:
    link: PupilLink
    pupil: Pupil
    meeting: Meeting
    url: str | None  # None once answered, or when it cannot be recomputed (see the docstring)
    answered: bool


def school_links(db: Session, *, user: User, now: datetime, settings: Settings) -> list[LinkRow]:
    """The feedback links of the meetings at the coordinator's school that have not expired:
    newest meeting first, each pupil with the link to hand out or the note that they answered."""
    rows = db.execute(
        select(PupilLink, Meeting)
        .join(Meeting, Meeting.id == PupilLink.meeting_id)
        .join(Pupil, Pupil.id == PupilLink.pupil_id)
        .options(joinedload(PupilLink.pupil))
        .where(
            PupilLink.purpose == FEEDBACK,
            PupilLink.revoked_at.is_(None),
            PupilLink.expires_at > now,
            PupilLink.meeting_id.in_(visible_meeting_ids(user)),
            PupilLink.pupil_id.in_(visible_pupil_ids(user)),
            Pupil.status == PupilStatus.ACTIVE,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id, Pupil.sort_name, PupilLink.id)
        .limit(LIST_LIMIT)
    ).all()
    return [
        LinkRow(
            link=link,
            pupil=link.pupil,
            meeting=meeting,
            url=None if link.used_at is not None else link_url(settings, link),
            answered=link.used_at is not None,
        )
        for link, meeting in rows
    ]


# What the ambassador sees


@dataclass(frozen=True)
class RatingSummary:
    answers: int  # all answers so far
    counted: int  # the answers the average is of: a multiple of MIN_ANSWERS_SHOWN
    average: float | None  # None below MIN_ANSWERS_SHOWN answers

    @property
    def shown(self) -> bool:
        return self.average is not None


def ambassador_rating(db: Session, *, user: User) -> RatingSummary:
    """The average rating of the meetings of the ambassador who is ``user``."""
    own = select(Ambassador.id).where(Ambassador.user_id == user.id)
    ratings = (
        select(Feedback.rating)
        .join(Meeting, Meeting.id == Feedback.meeting_id)
        .where(Meeting.ambassador_id.in_(own))
    )
    answers = db.scalar(select(func.count()).select_from(ratings.subquery())) or 0
    counted = answers - answers % MIN_ANSWERS_SHOWN
    if counted < MIN_ANSWERS_SHOWN:
        return RatingSummary(answers=answers, counted=0, average=None)
    oldest = ratings.order_by(Feedback.submitted_at, Feedback.id).limit(counted).subquery()
    average = db.scalar(select(func.avg(oldest.c.rating)))
    return RatingSummary(answers=answers, counted=counted, average=float(average or 0))
