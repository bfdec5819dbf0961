"""Booking meetings: an ambassador proposes, moves and cancels; the school confirms or declines.

No double booking, ever: every writer locks the ambassador's row, then the pupils' rows in id
order (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers instead),
checks the rules and the overlaps under those locks, and writes. On PostgreSQL the exclusion
constraints on ``meeting`` and ``meeting_participant`` back this up: a booking that slips past
the check fails on the constraint and gets the same message.

Every change reaches everyone invited — the ambassador, the school's coordinators, and pupils
whose own e-mail the school's file holds — with an .ics invitation (``mentor.meetings.ics``):
the same UID and a higher SEQUENCE after each change, CANCEL when the meeting is off.

Functions take the time as ``now``, flush, and leave the commit to the caller.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import locked
from mentor.errors import Conflict, InvalidInput
from mentor.i18n import LazyText, lazy_gettext
from mentor.meetings.invitations import Change, notify
from mentor.meetings.requests import (
    LOCATION_MAX,
    MeetingRequest,
    reason_text,
    request_problems,
    when_problems,
)
from mentor.meetings.rules import (
    OVERLAP,
    load_frame,
    time_problem,
)
from mentor.models import (
    Ambassador,
    AmbassadorState,
    Match,
    MatchState,
    Meeting,
    MeetingParticipant,
    MeetingPlace,
    MeetingState,
    Organisation,
    Pupil,
    User,
)

NOT_ACTIVE = lazy_gettext("You can schedule meetings only while your ambassador profile is active.")
NOT_CHANGEABLE = lazy_gettext(
    "This meeting has already started, ended or been cancelled; it can no longer be changed."
)
NOT_PENDING = lazy_gettext("This meeting is no longer waiting for the school's answer.")
# Matches whose meetings the ambassador may still hold (a paused ambassador keeps their mentees).
MEETING_AMBASSADOR_STATES = (AmbassadorState.ACTIVE, AmbassadorState.PAUSED)
CHANGEABLE_STATES = (MeetingState.PENDING, MeetingState.SCHEDULED)


def _mentee_matches(db: Session, ambassador: Ambassador, match_ids: Sequence[int]) -> list[Match]:
    """The ambassador's accepted matches among ``match_ids``, with their pupils."""
    if not match_ids:
        return []
    rows = db.execute(
        select(Match, Pupil)
        .join(Pupil, Pupil.id == Match.pupil_id)
        .where(
            Match.id.in_(match_ids),
            Match.ambassador_id == ambassador.id,
            Match.state == MatchState.ACCEPTED,
        )
        .order_by(Pupil.id)
    ).all()
    return [match for match, _pupil in rows]


def _lock_people(db: Session, ambassador: Ambassador, pupil_ids: Sequence[int]) -> Ambassador:
    """The parent rows, always in the same order: the ambassador, then pupils by id."""
    ambassador = locked(db, ambassador)
    db.execute(
        select(Pupil.id).where(Pupil.id.in_(pupil_ids)).order_by(Pupil.id).with_for_update()
    ).all()
    return ambassador


def _location(
    db: Session, place: MeetingPlace, school: Organisation, ambassador: Ambassador, detail: str
) -> str:
    if place is MeetingPlace.ONLINE:
        base = "Online"
    else:
        where = (
            school
            if place is MeetingPlace.SCHOOL
            else db.get_one(Organisation, ambassador.institution_id)
        )
        base = ", ".join(part for part in (where.name, where.address) if part)
    text = f"{base} – {detail}" if detail else base
    return text[:LOCATION_MAX]


def _write(db: Session, rows: Sequence[object]) -> None:
    """Flush in a savepoint: PostgreSQL's exclusion constraints refuse a double booking that
    slipped past the check (it cannot on SQLite, whose writers are serialised)."""
    try:
        with db.begin_nested():
            db.add_all(rows)
            db.flush()
    except IntegrityError as error:
        raise InvalidInput({"starts_at": OVERLAP}) from error


def audit(
    db: Session,
    *,
    actor: User | None,
    meeting: Meeting,
    pupil_ids: Sequence[int],
    action: str,
    details: dict[str, str],
) -> None:
    for pupil_id in pupil_ids:
        record(
            db,
            actor_id=actor.id if actor else None,
            action=action,
            object_type="meeting",
            object_id=meeting.id,
            pupil_id=pupil_id,
            details={"state": meeting.state.value, **details},
        )


def record_view(db: Session, *, actor: User, meeting: Meeting) -> None:
    """Someone looked at a meeting's page, which shows its pupils: one audit event a pupil."""
    pupil_ids = [participant.pupil_id for participant in participant_rows(db, meeting)]
    audit(db, actor=actor, meeting=meeting, pupil_ids=pupil_ids, action="read", details={})


def _opening_state(school: Organisation) -> MeetingState:
    # A school that confirms meetings sees each one first: all of them fall in the pupils'
    # school time, wherever they are held.
    return MeetingState.PENDING if school.meeting_confirmation_required else MeetingState.SCHEDULED


def propose_meeting(
    db: Session,
    *,
    ambassador: Ambassador,
    request: MeetingRequest,
    actor: User,
    now: datetime,
    settings: Settings,
) -> Meeting:
    """Book a meeting for some of the ambassador's accepted mentees, or say what is wrong.

    ``InvalidInput`` names the field: ``pupils``, ``kind``, ``place``, ``location``,
    ``online_url``, ``minutes`` or ``starts_at`` (a rule broken, or the time taken).
    """
    matches = _mentee_matches(db, ambassador, request.match_ids)
    pupils = [db.get_one(Pupil, match.pupil_id) for match in matches]
    errors = request_problems(request, matches=matches, pupils=pupils, now=now)
    if ambassador.state not in MEETING_AMBASSADOR_STATES:
        errors["__all__"] = NOT_ACTIVE
    if errors:
        raise InvalidInput(errors)
    assert request.starts_at is not None
    starts_at, ends_at = request.starts_at, request.starts_at + timedelta(minutes=request.minutes)
    pupil_ids = [pupil.id for pupil in pupils]
    ambassador = _lock_people(db, ambassador, pupil_ids)
    school = db.get_one(Organisation, pupils[0].school_id)
    frame = load_frame(
        db, ambassador=ambassador, school=school, pupil_ids=pupil_ids, start=starts_at, end=ends_at
    )
    if problem := time_problem(frame, starts_at=starts_at, minutes=request.minutes, now=now):
        raise InvalidInput({"starts_at": problem})
    meeting = Meeting(
        ambassador_id=ambassador.id,
        school_id=school.id,
        kind=request.kind,
        place=request.place,
        starts_at=starts_at,
        ends_at=ends_at,
        location=_location(db, request.place, school, ambassador, request.location),
        online_url=request.online_url if request.place is MeetingPlace.ONLINE else None,
        state=_opening_state(school),
        uid=f"{secrets.token_hex(16)}@ambassador.local",
        sequence=0,
        log_nudges_sent=0,
        created_by_id=actor.id,
    )
    _write(db, [meeting])
    _write(
        db,
        [
            MeetingParticipant(
                meeting_id=meeting.id,
                match_id=match.id,
                pupil_id=match.pupil_id,
                starts_at=starts_at,
                ends_at=ends_at,
                booked=True,
            )
            for match in matches
        ],
    )
    audit(db, actor=actor, meeting=meeting, pupil_ids=pupil_ids, action="create", details={})
    notify(db, meeting=meeting, change=Change.NEW, settings=settings, now=now)
    return meeting


def participant_rows(db: Session, meeting: Meeting) -> list[MeetingParticipant]:
    return list(
        db.scalars(
            select(MeetingParticipant)
            .where(MeetingParticipant.meeting_id == meeting.id)
            .order_by(MeetingParticipant.pupil_id)
        )
    )


def _changeable(meeting: Meeting, now: datetime) -> None:
    if meeting.state not in CHANGEABLE_STATES or meeting.starts_at <= now:
        raise Conflict(NOT_CHANGEABLE)


def move_meeting(
    db: Session,
    *,
    meeting: Meeting,
    starts_at: datetime | None,
    minutes: int,
    reason: str | None,
    actor: User,
    now: datetime,
    settings: Settings,
    time_error: LazyText | None = None,
) -> Meeting:
    """Move an upcoming meeting to another time, with a reason; the school confirms again."""
    errors = when_problems(starts_at, minutes, now, time_error)
    try:
        text = reason_text(reason)
    except InvalidInput as error:
        errors |= error.field_errors
        text = ""
    if errors:
        raise InvalidInput(errors)
    assert starts_at is not None
    participants = participant_rows(db, meeting)
    pupil_ids = [participant.pupil_id for participant in participants]
    ambassador = _lock_people(db, db.get_one(Ambassador, meeting.ambassador_id), pupil_ids)
    meeting = locked(db, meeting)
    _changeable(meeting, now)
    ends_at = starts_at + timedelta(minutes=minutes)
    school = db.get_one(Organisation, meeting.school_id)
    frame = load_frame(
        db,
        ambassador=ambassador,
        school=school,
        pupil_ids=pupil_ids,
        start=starts_at,
        end=ends_at,
        moved_meeting_id=meeting.id,
    )
    if problem := time_problem(frame, starts_at=starts_at, minutes=minutes, now=now):
        raise InvalidInput({"starts_at": problem})
    before = meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    for participant in participants:
        participant.starts_at, participant.ends_at = starts_at, ends_at
    meeting.state = _opening_state(school)
    meeting.confirmed_at = None
    meeting.confirmed_by_id = None
    meeting.reminder_sent_at = None
    meeting.sequence += 1
    _write(db, [meeting, *participants])
    audit(
        db,
        actor=actor,
        meeting=meeting,
        pupil_ids=pupil_ids,
        action="update",
        details={"moved_from": before.isoformat(), "reason": text},
    )
    notify(db, meeting=meeting, change=Change.MOVED, settings=settings, now=now, reason=text)
    return meeting


def call_off(
    db: Session,
    meeting: Meeting,
    *,
    state: MeetingState,
    actor: User | None,
    reason: str,
    now: datetime,
) -> list[int]:
    meeting.state = state
    meeting.cancelled_at = now
    meeting.cancelled_by_id = actor.id if actor else None
    meeting.cancel_reason = reason
    meeting.sequence += 1
    participants = participant_rows(db, meeting)
    for participant in participants:
        participant.booked = False
    db.flush()
    return [participant.pupil_id for participant in participants]


def _awaits_the_school(meeting: Meeting, now: datetime) -> None:
    if meeting.state is not MeetingState.PENDING or meeting.starts_at <= now:
        raise Conflict(NOT_PENDING)


def _end_with_reason(
    db: Session,
    *,
    meeting: Meeting,
    reason: str | None,
    actor: User,
    now: datetime,
    settings: Settings,
    change: Change,
) -> Meeting:
    """Cancel (the ambassador) or decline (the school) with a reason everyone invited sees."""
    text = reason_text(reason)
    meeting = locked(db, meeting)
    declined = change is Change.DECLINED
    if declined:
        _awaits_the_school(meeting, now)
    else:
        _changeable(meeting, now)
    state = MeetingState.DECLINED if declined else MeetingState.CANCELLED
    pupil_ids = call_off(db, meeting, state=state, actor=actor, reason=text, now=now)
    audit(
        db,
        actor=actor,
        meeting=meeting,
        pupil_ids=pupil_ids,
        action="update",
        details={"reason": text},
    )
    notify(db, meeting=meeting, change=change, settings=settings, now=now, reason=text)
    return meeting


def cancel_meeting(
    db: Session,
    *,
    meeting: Meeting,
    reason: str | None,
    actor: User,
    now: datetime,
    settings: Settings,
) -> Meeting:
    """The ambassador calls an upcoming meeting off, with a reason everyone invited sees."""
    return _end_with_reason(
        db,
        meeting=meeting,
        reason=reason,
        actor=actor,
        now=now,
        settings=settings,
        change=Change.CANCELLED,
    )


def confirm_meeting(
    db: Session, *, meeting: Meeting, actor: User, now: datetime, settings: Settings
) -> Meeting:
    """The school's coordinator confirms a meeting that waits for it."""
    meeting = locked(db, meeting)
    _awaits_the_school(meeting, now)
    meeting.state = MeetingState.SCHEDULED
    meeting.confirmed_at = now
    meeting.confirmed_by_id = actor.id
    meeting.sequence += 1
    db.flush()
    pupil_ids = [participant.pupil_id for participant in participant_rows(db, meeting)]
    audit(db, actor=actor, meeting=meeting, pupil_ids=pupil_ids, action="update", details={})
    notify(db, meeting=meeting, change=Change.CONFIRMED, settings=settings, now=now)
    return meeting


def decline_meeting(
    db: Session,
    *,
    meeting: Meeting,
    reason: str | None,
    actor: User,
    now: datetime,
    settings: Settings,
) -> Meeting:
    """The school's coordinator says no to a meeting that waits for it, with a reason."""
    return _end_with_reason(
        db,
        meeting=meeting,
        reason=reason,
        actor=actor,
        now=now,
        settings=settings,
        change=Change.DECLINED,
    )
