"""Server-side login sessions: the cookie holds a random token, the database its hash.

Kept in the database so that any app process can serve any request, logout really ends the
session, and disabling a user ends all of theirs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
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
    needs_write: bool


def resolve_session(db: Session, *, token: str, settings: Settings) -> ResolvedSession:
    """The live session for a cookie token, with its user loaded; none when absent or expired.

    ``needs_write`` says the caller must commit: an expired session was deleted, or the idle clock
    was moved on.
    """
    found = db.scalar(
        select(LoginSession)
        .options(joinedload(LoginSession.user))
        .where(LoginSession.token_hash == _hash(token))
    )
    if found is None:
        return ResolvedSession(login_session=None, needs_write=False)
    now = utcnow()
    idle_limit = found.last_seen_at + timedelta(seconds=settings.session_idle_timeout)
    if found.expires_at <= now or idle_limit <= now or not found.user.is_active:
        db.delete(found)
        db.flush()
        return ResolvedSession(login_session=None, needs_write=True)
    if now - found.last_seen_at >= TOUCH_INTERVAL:
        found.last_seen_at = now
        db.flush()
        return ResolvedSession(login_session=found, needs_write=True)
    return ResolvedSession(login_session=found, needs_write=False)


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
