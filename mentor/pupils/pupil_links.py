"""Single-purpose links a pupil answers once: a meeting's feedback, a closed match's exit question.

The token is an HMAC of the link's row under the secret key, and only its SHA-256 is stored: the
school's coordinator can be shown the same link again (on a slip, as a QR code), while a copy of
the database alone opens nothing. A link opens while it is not taken back, not used, not
expired, and its pupil is still active; anything that is not shaped like one of our tokens is
never looked up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mentor.accounts.links import hash_token
from mentor.config import Settings
from mentor.errors import DomainError
from mentor.i18n import lazy_gettext
from mentor.models import PupilLink, PupilLinkPurpose, PupilStatus

TOKEN_BYTES = 16
# What a token of ours looks like (URL-safe base64 of 16 bytes).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")


class LinkUnavailable(DomainError):
    """Unknown or taken back: one page for all, naming no one."""

    status_code = 404
    default_message = lazy_gettext("This link does not work.")


class LinkExpired(LinkUnavailable):
    status_code = 410
    default_message = lazy_gettext("This link has expired.")


class AlreadyAnswered(LinkUnavailable):
    status_code = 410
    default_message = lazy_gettext("You have already answered.")


def link_token(settings: Settings, link: PupilLink) -> str:
    """The token of a stored link (its id, what it is about and its pupil, under the key)."""
    about = link.meeting_id if link.purpose is PupilLinkPurpose.FEEDBACK else link.match_id
    message = f"{link.purpose.value}-link:{link.id}:{about}:{link.pupil_id}".encode()
    key = settings.secret_key.get_secret_value().encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def seal(settings: Settings, link: PupilLink) -> str:
    """Store the hash of a flushed link's token; returns the token."""
    token = link_token(settings, link)
    link.token_hash = hash_token(token)
    return token


def link_address(settings: Settings, link: PupilLink, path: str) -> str | None:
    """The link's address (``path`` like "/f"), recomputed; None when the secret key changed
    since it was made."""
    token = link_token(settings, link)
    if not hmac.compare_digest(hash_token(token), link.token_hash):
        return None
    return f"{settings.base_url}{path}/{token}"


def open_pupil_link(
    db: Session, *, token: str, purpose: PupilLinkPurpose, now: datetime
) -> PupilLink:
    """The working link with this token (its pupil loaded); else a ``LinkUnavailable``."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise LinkUnavailable()
    link = db.scalar(
        select(PupilLink)
        .options(joinedload(PupilLink.pupil))
        .where(PupilLink.token_hash == hash_token(token), PupilLink.purpose == purpose)
    )
    if link is None or link.revoked_at is not None:
        raise LinkUnavailable()
    if link.pupil.status is not PupilStatus.ACTIVE:
        raise LinkUnavailable()
    if link.used_at is not None:
        raise AlreadyAnswered()
    if link.expires_at <= now:
        raise LinkExpired()
    return link
