"""Counting uses of a limited action (an application, a password-reset mail) in a sliding window.

Counted in the database (``RateLimitEvent``), so every app process sees the same count. What is
limited (an address, an e-mail address) is kept only as an HMAC under the secret key: a plain
SHA-256 of an IPv4 address is reversed by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import RateLimitEvent


def limit_key(kind: str, value: str, settings: Settings) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def take(
    db: Session, *, bucket: str, key: str, limit: int, window: timedelta, now: datetime
) -> bool:
    """Count one use and say yes, or say no (and count nothing) when ``limit`` uses of ``bucket``
    by ``key`` lie within ``window`` before ``now``."""
    recent = db.scalar(
        select(func.count())
        .select_from(RateLimitEvent)
        .where(
            RateLimitEvent.bucket == bucket,
            RateLimitEvent.key_hash == key,
            RateLimitEvent.at > now - window,
        )
    )
    if (recent or 0) >= limit:
        return False
    db.add(RateLimitEvent(bucket=bucket, key_hash=key, at=now))
    db.flush()
    return True
