"""Personal calendar feeds (``/calendar/{token}.ics``) and a meeting's own .ics download.

A feed is read by calendar programs that cannot log in, so the token in its address is the
login: long and random, and stored only as its SHA-256 (``User.calendar_token_hash``), like
session cookies — a leaked database hands out no working feed. The user sees the address once,
when it is made; renewing makes a new one (the old stops working), revoking clears it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from mentor.accounts.links import hash_token
from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import NotFound
from mentor.i18n import gettext, using_locale
from mentor.meetings.ics import feed_ics, meeting_event, meeting_names
from mentor.models import BOOKED_STATES, Meeting, User
from mentor.policy import Permission, authorize, has_permission, visible_meeting_ids

# The feed shows meetings from this far back (held ones, for the record) ...
HISTORY = timedelta(days=90)
# ... and cancelled or declined ones only this far back, so that a calendar marks them
# cancelled for a while instead of dropping them without a word.
CANCELLED_HISTORY = timedelta(days=30)
# A bound on one response, whatever the caseload.
MAX_EVENTS = 2000
# A token is 43 characters (32 random bytes, URL-safe base64); anything longer is not one.
MAX_TOKEN_LENGTH = 100


def feed_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/calendar/{token}.ics"


def renew_token(db: Session, *, user: User, now: datetime, ip: str | None = None) -> str:
    """Make the user's feed token (a new one replaces the old) and return it: the only time the
    token exists outside the user's calendar program."""
    authorize(user, Permission.CALENDAR_FEED)
    renewed = user.calendar_token_hash is not None
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = hash_token(token)
    user.calendar_token_created_at = now
    db.flush()
    record(
        db,
        actor_id=user.id,
        action="calendar_feed_renewed" if renewed else "calendar_feed_created",
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    return token


def revoke_token(db: Session, *, user: User, ip: str | None = None) -> bool:
    """Stop the user's feed; False when there was none."""
    authorize(user, Permission.CALENDAR_FEED)
    if user.calendar_token_hash is None:
        return False
    user.calendar_token_hash = None
    user.calendar_token_created_at = None
    db.flush()
    record(
        db,
        actor_id=user.id,
        action="calendar_feed_revoked",
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    return True


def feed_owner(db: Session, token: str) -> User:
    """The active user whose feed ``token`` opens; NotFound for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound()
    user = db.scalar(select(User).where(User.calendar_token_hash == hash_token(token)))
    if user is None or not has_permission(user, Permission.CALENDAR_FEED):
        raise NotFound()
    return user


def feed_for(db: Session, *, user: User, now: datetime, settings: Settings) -> bytes:
    """The user's meetings as a calendar: the same meetings the policy lets them see."""
    standing = and_(Meeting.state.in_(BOOKED_STATES), Meeting.ends_at >= now - HISTORY)
    called_off = and_(
        Meeting.state.not_in(BOOKED_STATES), Meeting.starts_at >= now - CANCELLED_HISTORY
    )
    meetings = db.scalars(
        select(Meeting)
        .where(Meeting.id.in_(visible_meeting_ids(user)), or_(standing, called_off))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(MAX_EVENTS)
    ).all()
    names = meeting_names(db, [m.id for m in meetings])
    locale = user.locale.value if user.locale else settings.default_locale
    with using_locale(locale):
        title = gettext("Ambassador meetings")
    events = [
        meeting_event(
            meeting,
            participants=names[meeting.id].participants,
            ambassador_name=names[meeting.id].ambassador,
            organiser=settings.mail_from,
            locale=locale,
            stamp=now,
        )
        for meeting in meetings
    ]
    return feed_ics(events, name=title)


def meeting_download(
    db: Session, *, meeting: Meeting, user: User, now: datetime, settings: Settings
) -> bytes:
    """One meeting as a calendar to import (the caller has checked ``can_view_meeting``)."""
    names = meeting_names(db, [meeting.id])[meeting.id]
    locale = user.locale.value if user.locale else settings.default_locale
    event = meeting_event(
        meeting,
        participants=names.participants,
        ambassador_name=names.ambassador,
        organiser=settings.mail_from,
        locale=locale,
        stamp=now,
    )
    return feed_ics([event])
