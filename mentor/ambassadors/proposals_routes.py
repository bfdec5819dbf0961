"""“Mine elever”: an ambassador's waiting proposals, accepted mentees and past ones.

An ambassador sees only what the work needs about a pupil (data minimisation): first name, grade,
school, interests, programmes of interest, what the pupil wants to talk about, languages, and why
they were matched. The page is built from ``MenteeCard`` values, never from the pupil row, so a
template cannot show a guardian, a consent or a note even by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from starlette.responses import Response

from mentor.catalogue.languages import language_name
from mentor.config import Settings
from mentor.errors import InvalidInput, NotFound
from mentor.i18n import LazyText, get_locale, lazy_gettext
from mentor.matches import service
from mentor.matches.explanations import Reader, reason_sentences
from mentor.matches.handoff import Contact, school_coordinators
from mentor.meetings.views import started_match_ids
from mentor.models import (
    Ambassador,
    DeclineReason,
    Match,
    MatchState,
    Pupil,
    PupilProgrammeInterest,
    User,
)
from mentor.policy import Permission
from mentor.web import flash
from mentor.web.deps import SessionDep, SettingsDep, allowed
from mentor.web.forms import FormFields, refuse_bad_text
from mentor.web.responses import redirect
from mentor.web.templating import render

_may_mentor = allowed(Permission.MENTOR)
Mentor = Annotated[User, Depends(_may_mentor)]
router = APIRouter(prefix="/ambassador/mentees", dependencies=[Depends(_may_mentor)])

PAGE_URL = "/ambassador/mentees"
PAST_SHOWN = 20

DECLINE_LABELS: dict[DeclineReason, LazyText] = {
    DeclineReason.NO_CAPACITY: lazy_gettext("I don't have time for another mentee right now"),
    DeclineReason.POOR_FIT: lazy_gettext("I don't think we are a good fit"),
    DeclineReason.KNOW_THE_PUPIL: lazy_gettext("I know the pupil privately"),
    DeclineReason.SCHEDULE: lazy_gettext("Our times don't fit"),
    DeclineReason.OTHER: lazy_gettext("Other"),
}
PAST_LABELS: dict[MatchState, LazyText] = {
    MatchState.DECLINED: lazy_gettext("You declined"),
    MatchState.EXPIRED: lazy_gettext("Not answered in time"),
    MatchState.CLOSED: lazy_gettext("Ended"),
    MatchState.WITHDRAWN: lazy_gettext("Withdrawn by the school"),
}


@dataclass(frozen=True)
class MenteeCard:
    """What an ambassador may know about a pupil they are proposed or matched with."""

    match_id: int
    state: MatchState
    first_name: str
    grade: int
    school: str
    interests: list[str]
    programmes: list[str]
    conversation_wish: str | None
    languages: list[str]
    reasons: list[str]
    proposed_at: datetime
    deadline: datetime
    responded_at: datetime | None
    # The contact path of an accepted mentee: the school's coordinators (name, work e-mail),
    # never the pupil's or the guardian's own.
    coordinators: Sequence[Contact] = ()


@dataclass(frozen=True)
class PastCard:
    first_name: str
    outcome: str
    at: datetime


def _card(
    match: Match, settings: Settings, locale: str, coordinators: Sequence[Contact] = ()
) -> MenteeCard:
    pupil = match.pupil
    danish = locale == "da"
    return MenteeCard(
        match_id=match.id,
        state=match.state,
        first_name=pupil.first_name,
        grade=pupil.grade,
        school=pupil.school.name,
        interests=[i.label_da if danish else i.label_en for i in pupil.interests],
        programmes=[
            c.programme.name_da if danish else c.programme.name_en
            for c in pupil.programme_interests
        ],
        conversation_wish=pupil.conversation_wish,
        languages=[language_name(code) for code in pupil.languages],
        # Addressed to the ambassador: "You and Ali share ...".
        reasons=reason_sentences(
            match.explanation, locale, Reader.the_ambassador(pupil.first_name)
        ),
        proposed_at=match.proposed_at,
        deadline=service.answer_deadline(match, settings),
        responded_at=match.responded_at,
        coordinators=coordinators,
    )


def _matches(db: Session, ambassador: Ambassador, states: tuple[MatchState, ...]) -> list[Match]:
    query = service.ambassador_matches(ambassador, states).options(
        joinedload(Match.pupil).options(
            joinedload(Pupil.school),
            selectinload(Pupil.interests),
            selectinload(Pupil.programme_interests).joinedload(PupilProgrammeInterest.programme),
        )
    )
    return list(db.scalars(query).unique())


def _past(db: Session, ambassador: Ambassador) -> list[PastCard]:
    query = (
        select(
            Match.state, Match.proposed_at, Match.responded_at, Match.closed_at, Pupil.first_name
        )
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(Match.ambassador_id == ambassador.id, Match.state.in_(tuple(PAST_LABELS)))
        .order_by(Match.proposed_at.desc(), Match.id.desc())
        .limit(PAST_SHOWN)
    )
    return [
        PastCard(
            first_name=first_name,
            outcome=str(PAST_LABELS[state]),
            at=closed_at or responded_at or proposed_at,
        )
        for state, proposed_at, responded_at, closed_at, first_name in db.execute(query)
    ]


def _own_ambassador(db: SessionDep, user: Mentor) -> Ambassador | None:
    return db.scalar(select(Ambassador).where(Ambassador.user_id == user.id))


OwnAmbassador = Annotated[Ambassador | None, Depends(_own_ambassador)]


def _own_match(match_id: int, db: SessionDep, ambassador: OwnAmbassador) -> Match:
    """A match of this ambassador's; anyone else's is a 404 (not even confirmed to exist)."""
    if ambassador is None:
        raise NotFound()
    match = db.scalar(
        select(Match).where(Match.id == match_id, Match.ambassador_id == ambassador.id)
    )
    if match is None:
        raise NotFound()
    return match


OwnMatch = Annotated[Match, Depends(_own_match)]


def _page(
    request: Request,
    db: Session,
    settings: Settings,
    ambassador: Ambassador | None,
    *,
    errors: Mapping[int, Mapping[str, object]] | None = None,
    values: Mapping[int, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    locale = get_locale()
    waiting: Sequence[MenteeCard] = []
    accepted: Sequence[MenteeCard] = []
    past: Sequence[PastCard] = []
    started: set[int] = set()
    if ambassador is not None:
        open_matches = _matches(db, ambassador, (MatchState.PROPOSED, MatchState.ACCEPTED))
        # One query for the coordinators of every mentee's school, however many cards; the
        # page shows them on accepted mentees only.
        accepted_schools = {
            m.pupil.school_id for m in open_matches if m.state is MatchState.ACCEPTED
        }
        contacts = school_coordinators(db, accepted_schools)
        cards = [
            _card(match, settings, locale, contacts.get(match.pupil.school_id, ()))
            for match in open_matches
        ]
        waiting = [card for card in cards if card.state is MatchState.PROPOSED]
        accepted = [card for card in cards if card.state is MatchState.ACCEPTED]
        started = started_match_ids(db, [card.match_id for card in accepted])
        past = _past(db, ambassador)
    context = {
        "ambassador": ambassador,
        "capacity": ambassador.capacity if ambassador else 0,
        "waiting": waiting,
        "accepted": accepted,
        "started": started,
        "past": past,
        "decline_options": [(r.value, str(label)) for r, label in DECLINE_LABELS.items()],
        "errors": errors or {},
        "values": values or {},
    }
    return render(
        request, "ambassadors/mentees.html", context, status_code=status_code, block="mentees"
    )


@router.get("")
def mentees_page(
    request: Request, db: SessionDep, settings: SettingsDep, ambassador: OwnAmbassador
) -> Response:
    return _page(request, db, settings, ambassador)


@router.post("/{match_id:int}/accept")
def accept_proposal(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    ambassador: OwnAmbassador,
    match: OwnMatch,
) -> Response:
    assert ambassador is not None  # _own_match refused the request otherwise
    accepted = service.accept(db, match=match, ambassador=ambassador, settings=settings)
    first_name = db.scalars(select(Pupil.first_name).where(Pupil.id == accepted.pupil_id)).one()
    db.commit()
    flash.add(request, "proposal_accepted", name=first_name)
    return redirect(request, PAGE_URL)


def _decline_category(value: str | None) -> DeclineReason | None:
    try:
        return DeclineReason((value or "").strip())
    except ValueError:
        return None


@router.post("/{match_id:int}/decline")
def decline_proposal(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    ambassador: OwnAmbassador,
    match: OwnMatch,
    fields: FormFields,
) -> Response:
    assert ambassador is not None  # _own_match refused the request otherwise
    try:
        refuse_bad_text(fields, "reason")
        declined = service.decline(
            db,
            match=match,
            ambassador=ambassador,
            category=_decline_category(fields.get("category")),
            reason=fields.get("reason"),
        )
    except InvalidInput as error:
        kept = {"category": fields.get("category", ""), "reason": fields.get("reason", "")}
        return _page(
            request,
            db,
            settings,
            ambassador,
            errors={match.id: error.field_errors},
            values={match.id: kept},
            status_code=422,
        )
    first_name = db.scalars(select(Pupil.first_name).where(Pupil.id == declined.pupil_id)).one()
    db.commit()
    flash.add(request, "proposal_declined", name=first_name)
    return redirect(request, PAGE_URL)
