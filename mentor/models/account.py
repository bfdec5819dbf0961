"""Users, their login sessions, e-mailed tokens and the login-throttling record.

Sessions, tokens and attempts live in the database so that several app processes behind a load
balancer share them (DESIGN.md, "Scaling out"). Secrets are stored only as SHA-256 hashes: a
leaked database must not hand out working session cookies or invitation links.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentor.db import Base, Retention, TimestampMixin, utcnow
from mentor.models._types import not_personal, personal, str_enum
from mentor.models.organisation import Organisation

ACCOUNT = Retention.ACCOUNT
SECURITY = Retention.SECURITY


class Role(StrEnum):
    ADMIN = "admin"
    COUNSELLOR = "counsellor"
    COORDINATOR = "coordinator"
    AMBASSADOR = "ambassador"


class Locale(StrEnum):
    DA = "da"
    EN = "en"


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password


class PendingStep(StrEnum):
    """What a login still needs after the right password."""

    CODE = "code"  # a code from the user's authenticator app, or a recovery code
    ENROL = "enrol"  # the role must use a second factor and the user has none yet: set one up


class User(TimestampMixin, Base):
    """A person who logs in. Pupils have no account (they use single-purpose links)."""

    # "user" is reserved in PostgreSQL; a name that never needs quoting in hand-written SQL.
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=personal(ACCOUNT))
    email: Mapped[str] = mapped_column(String(254), unique=True, info=personal(ACCOUNT))
    full_name: Mapped[str] = mapped_column(String(200), info=personal(ACCOUNT))
    # Empty until the invitation is accepted and a password chosen.
    password_hash: Mapped[str | None] = mapped_column(String(255), info=personal(ACCOUNT))
    role: Mapped[Role] = mapped_column(
        str_enum(Role, name="role"), index=True, info=personal(ACCOUNT)
    )
    # A coordinator's school, an ambassador's institution, a counsellor's guidance unit.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, info=personal(ACCOUNT)
    )
    # None: follow the browser and the site default (Danish).
    locale: Mapped[Locale | None] = mapped_column(
        str_enum(Locale, name="locale"), info=personal(ACCOUNT)
    )
    is_active: Mapped[bool] = mapped_column(default=True, info=personal(ACCOUNT))
    last_login_at: Mapped[datetime | None] = mapped_column(info=personal(ACCOUNT))
    # The personal calendar feed (/calendar/{token}.ics): only the token's SHA-256 is kept; the
    # user sees the address once, when it is made, and can renew or revoke it.
    calendar_token_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, info=not_personal(SECURITY)
    )
    calendar_token_created_at: Mapped[datetime | None] = mapped_column(info=not_personal(SECURITY))

    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    # The schools a counsellor follows; empty for every other role.
    schools: Mapped[list[Organisation]] = relationship(
        secondary="counsellor_school", lazy="raise", order_by="Organisation.name"
    )


class CounsellorSchool(Base):
    """A school in a counsellor's caseload."""

    __tablename__ = "counsellor_school"

    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, info=personal(ACCOUNT)
    )
    school_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        info=personal(ACCOUNT),
    )


class LoginSession(Base):
    """A server-side session; the cookie carries the token, the table only its hash."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=not_personal(SECURITY))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    csrf_secret: Mapped[str] = mapped_column(String(64), info=not_personal(SECURITY))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(SECURITY))
    # Idle timeout: last_seen_at + idle period; absolute timeout: expires_at.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(SECURITY))
    expires_at: Mapped[datetime] = mapped_column(index=True, info=not_personal(SECURITY))
    ip: Mapped[str | None] = mapped_column(String(45), info=personal(SECURITY))
    user_agent: Mapped[str | None] = mapped_column(String(300), info=personal(SECURITY))

    user: Mapped[User] = relationship(lazy="raise")


class AccountToken(Base):
    """A single-use e-mailed link: an invitation or a password reset."""

    __tablename__ = "account_token"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    purpose: Mapped[TokenPurpose] = mapped_column(
        str_enum(TokenPurpose, name="purpose"), info=not_personal(SECURITY)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=not_personal(SECURITY))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    # The admin who sent the invitation; None for a reset the user asked for.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True, info=personal(SECURITY)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(SECURITY))
    expires_at: Mapped[datetime] = mapped_column(info=not_personal(SECURITY))
    used_at: Mapped[datetime | None] = mapped_column(info=not_personal(SECURITY))

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])


class LoginAttempt(Base):
    """One login attempt, counted to throttle guessing per account and per IP address.

    The e-mail is kept as the SHA-256 hex of its lower-cased form: attempts for addresses that have
    no account must be counted too, and we do not want a list of every address someone typed.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_hash_attempted_at", "email_hash", "attempted_at"),
        Index("ix_login_attempt_ip_attempted_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    email_hash: Mapped[str] = mapped_column(String(64), info=personal(SECURITY))
    ip: Mapped[str | None] = mapped_column(String(45), info=personal(SECURITY))
    attempted_at: Mapped[datetime] = mapped_column(
        default=utcnow, index=True, info=not_personal(SECURITY)
    )
    succeeded: Mapped[bool] = mapped_column(info=not_personal(SECURITY))


class RateLimitEvent(Base):
    """One use of a rate-limited public action (an application, say), counted in a window.

    Kept in the database so that every app process sees the same count. ``key_hash`` is the
    SHA-256 of what is limited (an IP address), never the value itself.
    """

    __tablename__ = "rate_limit_event"
    __table_args__ = (Index("ix_rate_limit_event_bucket_key_hash_at", "bucket", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    bucket: Mapped[str] = mapped_column(String(40), info=not_personal(SECURITY))
    key_hash: Mapped[str] = mapped_column(String(64), info=personal(SECURITY))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True, info=not_personal(SECURITY))


class TotpCredential(Base):
    """A user's authenticator app: the shared secret of time-based one-time codes (RFC 6238).

    The secret must be readable to check a code, so it cannot be hashed like a password. It is
    not personal data in the sense of the subject-access export (it says nothing about the
    person) and never leaves the server after enrolment: no page, log line or export shows it.
    """

    __tablename__ = "totp_credential"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True, info=personal(SECURITY)
    )
    secret: Mapped[str] = mapped_column(String(64), info=not_personal(SECURITY))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(SECURITY))
    # The last 30-second time step a code was accepted for: a code works once (RFC 6238, 5.2),
    # so a code seen over a shoulder or in a proxy's log cannot be replayed within its window.
    last_used_step: Mapped[int | None] = mapped_column(info=not_personal(SECURITY))
    # Wrong codes since ``failed_since``: guessing is throttled per account, whatever the
    # password step allows.
    failures: Mapped[int] = mapped_column(default=0, info=not_personal(SECURITY))
    failed_since: Mapped[datetime | None] = mapped_column(info=not_personal(SECURITY))


class RecoveryCode(Base):
    """A single-use code for when the phone is lost; only its SHA-256 is kept (the codes are
    random, 60 bits each, so a hash needs no salt or stretching)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, info=not_personal(SECURITY))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=not_personal(SECURITY))
    used_at: Mapped[datetime | None] = mapped_column(info=not_personal(SECURITY))


class PendingLogin(Base):
    """A login between the right password and the second factor: not a session.

    Its own cookie carries the token (the table keeps the hash); it opens no page but the
    second step's, and ends within minutes. The password is never asked for again.
    """

    __tablename__ = "pending_login"

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal(SECURITY))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=not_personal(SECURITY))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True, info=personal(SECURITY)
    )
    step: Mapped[PendingStep] = mapped_column(
        str_enum(PendingStep, name="step"), info=not_personal(SECURITY)
    )
    # Where the user was going when asked to log in (checked again when used).
    next_url: Mapped[str | None] = mapped_column(String(500), info=not_personal(SECURITY))
    created_at: Mapped[datetime] = mapped_column(info=not_personal(SECURITY))
    expires_at: Mapped[datetime] = mapped_column(index=True, info=not_personal(SECURITY))
    failures: Mapped[int] = mapped_column(default=0, info=not_personal(SECURITY))

    user: Mapped[User] = relationship(lazy="raise")
