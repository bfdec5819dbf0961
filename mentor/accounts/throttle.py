"""Login throttling: slowing password guesses without shutting out the people they target."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.errors import DomainError
from mentor.i18n import lazy_gettext
from mentor.models import LoginAttempt


class LoginThrottled(DomainError):
    status_code = 429
    default_message = lazy_gettext(
        "Too many failed attempts. Wait %(minutes)s minutes and try again, or reset your password.",
    )


def email_key(address: str) -> str:
    """What the attempts are counted by for an (already normalised) e-mail address: a hash, so
    the table of attempts holds no readable addresses."""
    return hashlib.sha256(address.encode()).hexdigest()


def _failures(
    db: Session, *, since: datetime, email_key: str | None = None, ip: str | None = None
) -> list[datetime]:
    """When the failed attempts since ``since`` (for one account or one address) were made,
    newest first."""
    query = (
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.attempted_at >= since, LoginAttempt.succeeded.is_(False))
        .order_by(LoginAttempt.attempted_at.desc())
    )
    if email_key is not None:
        query = query.where(LoginAttempt.email_hash == email_key)
    if ip is not None:
        query = query.where(LoginAttempt.ip == ip)
    return list(db.scalars(query))


def _minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def address_delay(failures: int, settings: Settings) -> timedelta:
    """The pause an address must keep after its latest failure once it has failed ``failures``
    times in the window: none up to the limit, then 1 s doubling with each failure, at most
    ``login_max_address_delay``."""
    beyond = failures - settings.login_max_failures_per_ip
    if beyond < 0:
        return timedelta(0)
    return timedelta(seconds=min(2 ** min(beyond, 30), settings.login_max_address_delay))


def check(
    db: Session, *, email_key: str, ip: str | None, now: datetime, settings: Settings
) -> None:
    """Refuse an attempt (``LoginThrottled``, with the wait) that comes too soon.

    Guesses are slowed, owners are not shut out. An account pauses after a few failures in the
    window, until enough of them have slid out of it; a successful login or password reset
    clears its failures (``clear_failures``). An address (a school's shared one, say) is never
    locked: past its limit it must wait a little after each failure, a wait that doubles with
    each further failure up to a minute. Refused attempts are not counted, so hammering does not
    make the wait longer, and whoever has the right password gets in once it has passed.
    """
    window = timedelta(seconds=settings.login_failure_window)
    account = _failures(db, since=now - window, email_key=email_key)
    if len(account) >= settings.login_max_failures_per_account:
        # The account is free again when the oldest of its latest failures leaves the window.
        free_at = account[settings.login_max_failures_per_account - 1] + window
        raise LoginThrottled(
            lazy_gettext(
                "Too many failed attempts. Wait %(minutes)s minutes and try again, "
                "or reset your password.",
                minutes=_minutes(free_at - now),
            )
        )
    if ip is None:
        return
    address = _failures(db, since=now - window, ip=ip)
    delay = address_delay(len(address), settings)
    if delay and now < address[0] + delay:
        raise LoginThrottled(
            lazy_gettext(
                "Many failed attempts come from your network. Wait %(seconds)s seconds and try "
                "again.",
                seconds=_seconds(address[0] + delay - now),
            )
        )


def clear_failures(db: Session, *, email_key: str) -> None:
    """Forget the account's failed attempts: its owner has proved who they are."""
    db.execute(
        delete(LoginAttempt).where(
            LoginAttempt.email_hash == email_key, LoginAttempt.succeeded.is_(False)
        )
    )
