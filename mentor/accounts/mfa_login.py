"""A login between the right password and the second factor (``PendingLogin``).

It is not a session: its own cookie opens only the second step's page (a code, or setting up an
app where the role requires one), for a few minutes and a few wrong codes; then the password is
asked again. Wrong codes also count as failed logins of the account (``LoginAttempt``), so the
login throttle sees them as the guesses they are.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from mentor.accounts import throttle
from mentor.accounts.mfa import has_second_factor, is_required
from mentor.audit.service import record
from mentor.config import Settings
from mentor.models import LoginAttempt, PendingLogin, PendingStep, User

COOKIE_NAME = "mentor_login_step"
TTL = timedelta(minutes=10)
# Wrong codes one pending login may take before the password is asked again.
MAX_WRONG_CODES = 5
# Where each step is asked.
STEP_PATHS = {PendingStep.CODE: "/login/code", PendingStep.ENROL: "/login/set-up"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def step_after_password(db: Session, *, user: User, settings: Settings) -> PendingStep | None:
    """What the login still needs: a code if the user has an app, setting one up if the role
    requires it, else nothing."""
    if has_second_factor(db, user_id=user.id):
        return PendingStep.CODE
    if is_required(user, settings):
        return PendingStep.ENROL
    return None


def begin(
    db: Session, *, user: User, step: PendingStep, next_url: str | None, now: datetime
) -> str:
    """A pending login for ``user``; returns the token for its cookie."""
    db.execute(delete(PendingLogin).where(PendingLogin.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.add(
        PendingLogin(
            token_hash=_hash(token),
            user_id=user.id,
            step=step,
            next_url=(next_url or "")[:500] or None,
            created_at=now,
            expires_at=now + TTL,
        )
    )
    db.flush()
    return token


def resolve(
    db: Session, *, token: str | None, step: PendingStep, now: datetime
) -> PendingLogin | None:
    """The live pending login of a cookie at this step, with its user; none otherwise."""
    if not token:
        return None
    found = db.scalar(
        select(PendingLogin)
        .options(joinedload(PendingLogin.user))
        .where(PendingLogin.token_hash == _hash(token), PendingLogin.step == step)
    )
    if found is None or found.expires_at <= now or not found.user.is_active:
        return None
    return found


def end(db: Session, *, token: str | None) -> None:
    if token:
        db.execute(delete(PendingLogin).where(PendingLogin.token_hash == _hash(token)))


def count_wrong_code(db: Session, *, pending: PendingLogin, ip: str | None, now: datetime) -> bool:
    """Note a wrong code; True when the pending login is used up (and has ended)."""
    db.add(
        LoginAttempt(
            email_hash=throttle.email_key(pending.user.email),
            ip=ip,
            attempted_at=now,
            succeeded=False,
        )
    )
    record(
        db,
        actor_id=None,
        action="mfa_failed",
        object_type="user",
        object_id=pending.user_id,
        ip=ip,
    )
    pending.failures += 1
    used_up = pending.failures >= MAX_WRONG_CODES
    if used_up:
        db.delete(pending)
    db.flush()
    return used_up
