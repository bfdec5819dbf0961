"""Telling everyone invited about a meeting: an e-mail with an .ics invitation for each change.

Invited are the ambassador, the coordinators of the pupils' school, and each pupil whose own
e-mail address the school's file holds (a pupil's mail names first names only and has no link
into the app). Each mail is in the recipient's language and carries the meeting as .ics: REQUEST
with the meeting's UID and current SEQUENCE, or CANCEL when it is off, so calendars update the
one event they have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.meetings.ics import Method, invitation_ics, meeting_names
from mentor.models import (
    Meeting,
    MeetingParticipant,
    MeetingState,
    Pupil,
)
from mentor.notifications.service import Attachment, queue_email
from mentor.organisations.school_staff import ambassador_user, coordinators_of


class Change(StrEnum):
    NEW = "new"
    MOVED = "moved"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    DECLINED = "declined"


_OFF = (Change.CANCELLED, Change.DECLINED)


@dataclass(frozen=True)
class Invitee:
    address: str
    name: str
    locale: str
    # Staff get a link to the meeting's page; pupils have no login.
    staff: bool
    coordinator: bool = False


def invitees(
    db: Session, meeting: Meeting, settings: Settings, *, only_pupil_ids: Sequence[int] | None
) -> list[Invitee]:
    found: list[Invitee] = []
    if only_pupil_ids is None:
        ambassador = ambassador_user(db, meeting.ambassador_id)
        found.append(
            Invitee(ambassador.email, ambassador.full_name, ambassador.locale or "da", staff=True)
        )
        found += [
            Invitee(user.email, user.full_name, user.locale or "da", staff=True, coordinator=True)
            for user in coordinators_of(db, meeting.school_id)
        ]
    pupils = select(Pupil.email, Pupil.first_name).join(
        MeetingParticipant, MeetingParticipant.pupil_id == Pupil.id
    )
    pupils = pupils.where(MeetingParticipant.meeting_id == meeting.id, Pupil.email.is_not(None))
    if only_pupil_ids is not None:
        pupils = pupils.where(Pupil.id.in_(only_pupil_ids))
    found += [
        Invitee(email, first_name, settings.default_locale, staff=False)
        for email, first_name in db.execute(pupils.order_by(Pupil.id))
        if email
    ]
    return found


def notify(
    db: Session,
    *,
    meeting: Meeting,
    change: Change,
    settings: Settings,
    now: datetime,
    reason: str | None = None,
    only_pupil_ids: Sequence[int] | None = None,
) -> int:
    """Queue one e-mail with the .ics for each person invited; returns how many."""
    names = meeting_names(db, [meeting.id])[meeting.id]
    method: Method = "CANCEL" if change in _OFF else "REQUEST"
    people = invitees(db, meeting, settings, only_pupil_ids=only_pupil_ids)
    for person in people:
        ics = invitation_ics(
            meeting,
            participants=names.participants,
            ambassador_name=names.ambassador,
            method=method,
            organiser=settings.mail_from,
            locale=person.locale,
            attendees=[person.address],
            stamp=now,
        )
        queue_email(
            db,
            to=person.address,
            template=f"meeting_{change.value}",
            locale=person.locale,
            context={
                "name": person.name,
                "staff": person.staff,
                "coordinator": person.coordinator,
                "ambassador": names.ambassador,
                "pupils": ", ".join(names.participants),
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "location": meeting.location,
                "online_url": meeting.online_url,
                "waits_for_school": meeting.state is MeetingState.PENDING,
                "reason": reason,
                "link": f"{settings.base_url}/meetings/{meeting.id}",
            },
            attachments=[
                Attachment(
                    filename="moede.ics",
                    content_type=f"text/calendar; method={method}",
                    content=ics.decode(),
                )
            ],
        )
    return len(people)
