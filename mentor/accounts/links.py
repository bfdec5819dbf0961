"""Single-use links of an account: invitations and password resets.

A link holds a random token; the database keeps only its hash. Using one (or setting a password
any other way) ends every other link of the account, and its sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor.accounts import passwords, rate_limits, throttle
from mentor.accounts.sessions import end_all_sessions
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import DomainError, InvalidInput
from mentor.i18n import lazy_gettext
from mentor.models import AccountToken, TokenPurpose, User
from mentor.notifications.service import queue_email


class TokenInvalid(DomainError):
    status_code = 400
    default_message = lazy_gettext(
        "The link is no longer valid: it has expired or has been used. Ask for a new one."
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# How many password-reset mails an account, and an address, may ask for in an hour.
RESET_WINDOW = timedelta(hours=1)
RESET_BUCKET_ACCOUNT = "password_reset_account"
RESET_BUCKET_ADDRESS = "password_reset_address"


def issue_token(
    db: Session, *, user: User, purpose: TokenPurpose, ttl: int, created_by: User | None
) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        AccountToken(
            purpose=purpose,
            token_hash=hash_token(token),
            user_id=user.id,
            created_by_id=created_by.id if created_by else None,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return token


def send_invitation(
    db: Session,
    *,
    user: User,
    actor: User,
    settings: Settings,
    locale: str,
    template: str = "invitation",
) -> None:
    """Mail ``user`` a single-use link to choose a password (an invitation token).

    ``template`` lets a domain word the mail its own way (an approved ambassador application);
    every template gets ``name``, ``inviter``, ``link`` and ``days``.
    """
    _mail_link(
        db,
        user=user,
        purpose=TokenPurpose.INVITATION,
        ttl=settings.invitation_ttl,
        created_by=actor,
        link=f"{settings.base_url}/invitation/",
        template=template,
        locale=locale,
        context={"inviter": actor.full_name, "days": settings.invitation_ttl // 86400},
    )


def _mail_link(
    db: Session,
    *,
    user: User,
    purpose: TokenPurpose,
    ttl: int,
    created_by: User | None,
    link: str,
    template: str,
    locale: str,
    context: dict[str, object],
) -> None:
    """Issue a single-use link and mail it to ``user``: ``link`` is its address before the token;
    the mail's template gets the user's ``name`` and the ``link`` beside ``context``."""
    token = issue_token(db, user=user, purpose=purpose, ttl=ttl, created_by=created_by)
    queue_email(
        db,
        to=user.email,
        template=template,
        locale=locale,
        context={**context, "name": user.full_name, "link": f"{link}{token}"},
    )


def request_password_reset(
    db: Session,
    *,
    email: str,
    locale: str,
    settings: Settings,
    ip: str | None,
    now: datetime,
) -> None:
    """Mail a reset link when an active account has this address; silent otherwise.

    At most a few mails an hour per e-mail address and per client address, counted whether or
    not the account exists, so neither the mails nor the answer tell who has an account.
    """
    address = normalise_email(email)
    for bucket, key, limit in (
        (
            RESET_BUCKET_ACCOUNT,
            rate_limits.limit_key("email", address, settings),
            settings.password_resets_per_account_per_hour,
        ),
        (
            RESET_BUCKET_ADDRESS,
            rate_limits.limit_key("ip", ip or "unknown", settings),
            settings.password_resets_per_ip_per_hour,
        ),
    ):
        if not rate_limits.take(
            db, bucket=bucket, key=key, limit=limit, window=RESET_WINDOW, now=now
        ):
            return
    user = db.scalar(select(User).where(User.email == address))
    if user is None or not user.is_active:
        return
    _mail_link(
        db,
        user=user,
        purpose=TokenPurpose.PASSWORD_RESET,
        ttl=settings.password_reset_ttl,
        created_by=None,
        link=f"{settings.base_url}/password-reset/",
        template="password_reset",
        locale=user.locale or locale,
        context={"minutes": settings.password_reset_ttl // 60},
    )
    record(db, actor_id=user.id, action="password_reset_requested", object_type="user", ip=ip)
    db.flush()


def find_valid_token(db: Session, *, token: str, purpose: TokenPurpose) -> AccountToken:
    found = db.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose
        )
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        raise TokenInvalid()
    return found


def set_password_with_token(
    db: Session, *, token: str, purpose: TokenPurpose, password: str, password_repeat: str
) -> User:
    """Use a single-use token to set a password; every session of the user ends."""
    found = find_valid_token(db, token=token, purpose=purpose)
    user = db.get(User, found.user_id)
    if user is None or not user.is_active:
        raise TokenInvalid()
    problem = passwords.password_problem(password, email=user.email)
    if problem is not None:
        raise InvalidInput({"password": problem})
    if password != password_repeat:
        raise InvalidInput({"password_repeat": lazy_gettext("The two passwords are not the same.")})
    user.password_hash = passwords.hash_password(password)
    found.used_at = utcnow()
    end_links_and_sessions(db, user=user, now=found.used_at)
    record(
        db, actor_id=user.id, action=f"{purpose.value}_used", object_type="user", object_id=user.id
    )
    db.flush()
    return user


def end_links_and_sessions(db: Session, *, user: User, now: datetime) -> None:
    """A new password: every other link of the account that could set one stops working, every
    session ends, and the account's failed logins are forgotten (its owner proved who they are).
    """
    db.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    end_all_sessions(db, user_id=user.id)
    throttle.clear_failures(db, email_key=throttle.email_key(user.email))
