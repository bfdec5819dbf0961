"""A user's own login sessions: where they are logged in, and ending any of them.

A session a user does not recognise (a shared computer, a lost phone) can be ended from
anywhere. Only one's own: another user's session id is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import NotFound
from mentor.i18n import gettext
from mentor.models import LoginSession, User

# The first token that names each browser wins: Edge and Opera say "Chrome" too, Chrome says
# "Safari" too.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_label(user_agent: str | None) -> str:
    """ "Firefox on Windows", as a person tells their devices apart; never the raw string."""
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in agent), None)
    system = next((name for token, name in _SYSTEMS if token in agent), None)
    if browser and system:
        return gettext("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or gettext("Unknown browser")


@dataclass(frozen=True)
class ShownSession:
    id: int
    created_at: datetime
    last_seen_at: datetime
    browser: str
    ip: str | None
    is_current: bool


def live_sessions(
    db: Session, *, user: User, current_id: int | None, now: datetime, settings: Settings
) -> list[ShownSession]:
    """The user's sessions that have not timed out, the current one first, then the newest."""
    idle_since = now - timedelta(seconds=settings.session_idle_timeout)
    rows = db.scalars(
        select(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.expires_at > now,
            LoginSession.last_seen_at > idle_since,
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()
    shown = [
        ShownSession(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            browser=browser_label(row.user_agent),
            ip=row.ip,
            is_current=row.id == current_id,
        )
        for row in rows
    ]
    return sorted(shown, key=lambda session: not session.is_current)


def end_own_session(db: Session, *, user: User, session_id: int, ip: str | None) -> None:
    """End one of the user's sessions; NotFound for any other id (no telling whose it is)."""
    ended = db.execute(
        delete(LoginSession).where(LoginSession.id == session_id, LoginSession.user_id == user.id)
    )
    if not getattr(ended, "rowcount", 0):
        raise NotFound()
    record(
        db,
        actor_id=user.id,
        action="session_ended",
        object_type="login_session",
        object_id=session_id,
        ip=ip,
    )


def end_other_sessions(db: Session, *, user: User, keep_id: int, ip: str | None) -> int:
    """End every session of the user but ``keep_id`` (the one asking); returns how many."""
    ended = db.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id != keep_id)
    )
    count = int(getattr(ended, "rowcount", 0) or 0)
    if count:
        record(
            db,
            actor_id=user.id,
            action="sessions_ended",
            object_type="user",
            object_id=user.id,
            details={"count": count},
            ip=ip,
        )
    return count
