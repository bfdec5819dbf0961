"""Meetings as iCalendar (RFC 5545) data: invitations for e-mails, a download, personal feeds.

An invitation keeps the meeting's ``uid`` for the life of the event and carries its
``sequence``, which the booking service raises on every change: Outlook and Google then update
the event they have instead of adding a second one (RFC 5546: METHOD:REQUEST on create and on
every change, METHOD:CANCEL on cancel). Times are written in UTC (``...Z``), so no VTIMEZONE is
needed and daylight saving cannot shift a meeting.

Data minimisation: an event names people by first name only, and never carries guardian data,
notes or anything from a meeting log — a calendar is synced to phones and shared with others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.i18n import gettext, using_locale
from mentor.models import Ambassador, Meeting, MeetingParticipant, MeetingPlace, MeetingState, Pupil
from mentor.models import User as UserModel

PRODID = "-//Haderslev Kommune//Ambassadør//DA"
Method = Literal["REQUEST", "CANCEL"]

_STATUS = {
    MeetingState.PENDING: "TENTATIVE",
    MeetingState.SCHEDULED: "CONFIRMED",
    MeetingState.HELD: "CONFIRMED",
    MeetingState.DECLINED: "CANCELLED",
    MeetingState.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class MeetingNames:
    """Who is in a meeting, by first name only: what an invitation may say about people."""

    participants: tuple[str, ...]
    ambassador: str


def first_name(full_name: str) -> str:
    return full_name.split()[0] if full_name.strip() else ""


def meeting_names(db: Session, meeting_ids: Iterable[int]) -> dict[int, MeetingNames]:
    """The first names of each meeting's pupils and ambassador, in two queries for any number of
    meetings (``Meeting.participants`` and ``Meeting.ambassador`` are ``lazy="raise"``)."""
    ids = sorted(set(meeting_ids))
    if not ids:
        return {}
    pupils: dict[int, list[str]] = {meeting_id: [] for meeting_id in ids}
    rows = db.execute(
        select(MeetingParticipant.meeting_id, Pupil.first_name)
        .join(Pupil, Pupil.id == MeetingParticipant.pupil_id)
        .where(MeetingParticipant.meeting_id.in_(ids))
        .order_by(MeetingParticipant.meeting_id, MeetingParticipant.id)
    )
    for meeting_id, name in rows:
        pupils[meeting_id].append(first_name(name))
    ambassadors = dict(
        db.execute(
            select(Meeting.id, UserModel.full_name)
            .join(Ambassador, Ambassador.id == Meeting.ambassador_id)
            .join(UserModel, UserModel.id == Ambassador.user_id)
            .where(Meeting.id.in_(ids))
        )
        .tuples()
        .all()
    )
    return {
        meeting_id: MeetingNames(tuple(pupils[meeting_id]), first_name(ambassadors[meeting_id]))
        for meeting_id in ids
        if meeting_id in ambassadors
    }


def _organiser(address: str) -> vCalAddress:
    name, email = parseaddr(address)
    organiser = vCalAddress(f"mailto:{email or address}")
    if name:
        organiser.params["CN"] = vText(name)
    return organiser


def meeting_event(
    meeting: Meeting,
    *,
    participants: Sequence[str],
    ambassador_name: str,
    organiser: str,
    locale: str = "da",
    cancelled: bool = False,
    attendees: Sequence[str] = (),
    stamp: datetime | None = None,
) -> Event:
    """One VEVENT for ``meeting``, its words in ``locale``.

    ``participants`` and ``ambassador_name`` are first names (see ``meeting_names``);
    ``organiser`` is an address such as ``settings.mail_from``; ``attendees`` are e-mail
    addresses of the people the invitation is sent to (RFC 5546 wants them on a REQUEST).
    """
    pupils = ", ".join(participants)
    with using_locale(locale):
        summary = gettext(
            "Ambassador meeting: %(ambassador)s with %(pupils)s",
            ambassador=ambassador_name,
            pupils=pupils,
        )
        lines = [
            gettext("Ambassador: %(name)s", name=ambassador_name),
            gettext("Pupils: %(names)s", names=pupils),
        ]
        if meeting.place is MeetingPlace.ONLINE and meeting.online_url:
            lines.append(gettext("Online: %(url)s", url=meeting.online_url))
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (stamp or utcnow()).astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("location", meeting.location)
    if meeting.place is MeetingPlace.ONLINE and meeting.online_url:
        event.add("url", meeting.online_url)
    event.add("status", "CANCELLED" if cancelled else _STATUS[meeting.state])
    event.add("organizer", _organiser(organiser))
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=False)
    return event


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    return calendar


def invitation_ics(
    meeting: Meeting,
    *,
    participants: Sequence[str],
    ambassador_name: str,
    method: Method,
    organiser: str,
    locale: str = "da",
    attendees: Sequence[str] = (),
    stamp: datetime | None = None,
) -> bytes:
    """The .ics file an invitation e-mail carries.

    ``method="REQUEST"`` when a meeting is made and after every change (raise
    ``meeting.sequence`` first), ``method="CANCEL"`` when it is cancelled or declined; the UID
    is always ``meeting.uid``. Give first names only: ``meeting_names(db, [meeting.id])``.
    Attach it as ``text/calendar; method=REQUEST`` (or CANCEL), e.g. ``invite.ics``.
    """
    calendar = _calendar(method)
    calendar.add_component(
        meeting_event(
            meeting,
            participants=participants,
            ambassador_name=ambassador_name,
            organiser=organiser,
            locale=locale,
            cancelled=method == "CANCEL",
            attendees=attendees,
            stamp=stamp,
        )
    )
    data: bytes = calendar.to_ical()
    return data


def feed_ics(events: Iterable[Event], *, name: str | None = None) -> bytes:
    """A calendar to subscribe to or download (METHOD:PUBLISH): events to show, not to answer."""
    calendar = _calendar("PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    # How often a subscribing client should look again (Outlook, Apple; Google decides itself).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
