"""Server-side login sessions: the cookie holds a random token, the database its hash.

Kept in the database so that any app process can serve any request, logout really ends the
session, and disabling a user ends all of theirs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import LoginSession, User
from mentor.web.csrf import new_secret

COOKIE_NAME = "mentor_session"
# Writing last_seen_at on every request would make every page a write; once a minute is enough
# for an idle timeout counted in hours.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    db: Session, *, user: User, ip: str | None, user_agent: str | None, settings: Settings
) -> str:
    """A new session with a new id (never one the browser brought along); returns its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        LoginSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            csrf_secret=new_secret(),
            expires_at=now + timedelta(seconds=settings.session_absolute_timeout),
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.flush()
    return token


@dataclass(frozen=True)
class ResolvedSession:
    login_session: LoginSession | None
    # Bookkeeping for the caller to write (``write_bookkeeping``): an ended session to delete,
    # or the time the idle clock moves on to.
    ended_id: int | None = None
    touched_at: datetime | None = None

    @property
    def needs_write(self) -> bool:
        return self.ended_id is not None or self.touched_at is not None


def resolve_session(
    db: Session, *, token: str, settings: Settings, now: datetime
) -> ResolvedSession:
    """The live session for a cookie token, with its user loaded; none when absent or ended.

    Reads only: what must be written (``needs_write``) is written by ``write_bookkeeping`` in a
    transaction of the caller's choosing, since on SQLite a reading transaction must not start
    writing (mentor.db.read_by_default).
    """
    found = db.scalar(
        select(LoginSession)
        .options(joinedload(LoginSession.user))
        .where(LoginSession.token_hash == _hash(token))
    )
    if found is None:
        return ResolvedSession(login_session=None)
    idle_limit = found.last_seen_at + timedelta(seconds=settings.session_idle_timeout)
    if found.expires_at <= now or idle_limit <= now or not found.user.is_active:
        return ResolvedSession(login_session=None, ended_id=found.id)
    if now - found.last_seen_at >= TOUCH_INTERVAL:
        return ResolvedSession(login_session=found, touched_at=now)
    return ResolvedSession(login_session=found)


def write_bookkeeping(db: Session, resolved: ResolvedSession) -> None:
    """Delete the ended session, or move its idle clock on.

    One statement each, that finds nothing to do when a request of the same session at the same
    time did it first (a browser asks for several pages at once after a quiet spell).
    """
    if resolved.ended_id is not None:
        db.execute(delete(LoginSession).where(LoginSession.id == resolved.ended_id))
    elif resolved.touched_at is not None and resolved.login_session is not None:
        db.execute(
            update(LoginSession)
            .where(
                LoginSession.id == resolved.login_session.id,
                LoginSession.last_seen_at <= resolved.touched_at - TOUCH_INTERVAL,
            )
            .values(last_seen_at=resolved.touched_at)
            .execution_options(synchronize_session=False)
        )


def find_session(db: Session, *, token: str) -> LoginSession | None:
    """The session row of a token just handed out (a page that shows it at once)."""
    return db.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_session(db: Session, *, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def end_all_sessions(db: Session, *, user_id: int) -> None:
    db.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def purge_expired(db: Session, *, settings: Settings) -> int:
    now = utcnow()
    idle_since = now - timedelta(seconds=settings.session_idle_timeout)
    result = db.execute(
        delete(LoginSession).where(
            (LoginSession.expires_at <= now) | (LoginSession.last_seen_at <= idle_since)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
