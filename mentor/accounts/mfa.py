"""The second factor of a login: an authenticator app (TOTP, RFC 6238) and recovery codes.

Setting up: the page shows a new secret (as a QR code of its ``otpauth://`` address and as text)
with a signature, so that the form can carry it back without the server keeping half-made
secrets and without the user choosing one of their own; the first right code confirms it and
gives ten recovery codes, shown once and kept only as hashes. A code works once: the time step
it was accepted for is remembered. Wrong codes are throttled per account.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from mentor.accounts.sessions import end_all_sessions
from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import DomainError, InvalidInput, unique_fields
from mentor.i18n import LazyText, gettext, lazy_gettext
from mentor.models import RecoveryCode, Role, TotpCredential, User
from mentor.web.signing import same_secret

ISSUER = "Ambassadør"
STEP_SECONDS = 30  # pyotp's and every authenticator app's default
# A code of the step before or after is accepted too: phones' clocks drift, people type slowly.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 12 characters of 31 (no 0/o, 1/l/i): about 60 bits, shown as xxxx-xxxx-xxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
_CODE = re.compile(r"\d{6}")
_SEPARATORS = re.compile(r"[\s-]+")

WRONG_CODE = lazy_gettext("The code is wrong or has been used. Try the newest code in the app.")
WRONG_RECOVERY_CODE = lazy_gettext("The recovery code is wrong or has been used.")


class CodesThrottled(DomainError):
    status_code = 429
    default_message = lazy_gettext("Too many wrong codes.")


def is_required(user: User, settings: Settings) -> bool:
    """Whether the user's role must use a second factor (MENTOR_MFA_REQUIRED_ROLES)."""
    return user.role.value in settings.mfa_required_roles.split(",")


def required_roles(settings: Settings) -> list[Role]:
    return [Role(name) for name in settings.mfa_required_roles.split(",") if name]


def credential_of(db: Session, *, user_id: int) -> TotpCredential | None:
    return db.scalar(select(TotpCredential).where(TotpCredential.user_id == user_id))


def has_second_factor(db: Session, *, user_id: int) -> bool:
    return credential_of(db, user_id=user_id) is not None


# --- setting up -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """A secret offered to a user, with the signature that proves the server chose it."""

    secret: str
    signature: str
    uri: str

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, as people copy it by hand into an app."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))

    def qr_svg(self) -> Markup:
        """The ``otpauth://`` address as an inline SVG QR code.

        Drawn for each page rather than through the class sheets' cached ``qr_svg``: a secret
        should not stay in a process-wide cache. segno's markup, from our own address and a
        title it escapes, so it may be marked safe.
        """
        code = segno.make(self.uri, error="m", micro=False)
        svg: str = code.svg_inline(
            scale=1,
            border=4,
            omitsize=True,
            svgclass="qr",
            lineclass=None,
            title=gettext("QR code for your authenticator app"),
        )
        return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - see above


def _signature(settings: Settings, user: User, secret: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    message = f"totp-enrolment:{user.id}:{secret}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _enrolment(settings: Settings, user: User, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret=secret, signature=_signature(settings, user, secret), uri=uri)


def new_enrolment(*, user: User, settings: Settings) -> Enrolment:
    return _enrolment(settings, user, pyotp.random_base32())


def enrolment_from_form(
    *, user: User, settings: Settings, secret: str, signature: str
) -> Enrolment:
    """The enrolment a form sent back; a new one when it was not this server's for this user."""
    expected = _signature(settings, user, secret)
    if not secret or not same_secret(signature, expected):
        return new_enrolment(user=user, settings=settings)
    return _enrolment(settings, user, secret)


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """The time step near ``now`` whose code is ``code``, if it is later than ``after``."""
    code = _SEPARATORS.sub("", code)
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = _step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and same_secret(code, totp.generate_otp(step)):
            return step
    return None


def confirm_enrolment(
    db: Session, *, user: User, enrolment: Enrolment, code: str, now: datetime, ip: str | None
) -> list[str]:
    """Keep the secret once the user has shown a code from it; returns new recovery codes."""
    if has_second_factor(db, user_id=user.id):
        raise InvalidInput({"code": lazy_gettext("Two-step verification is already set up.")})
    step = _matching_step(enrolment.secret, code, now=now, after=None)
    if step is None:
        raise InvalidInput(
            {"code": lazy_gettext("The code does not match. Check the app and try the next code.")}
        )
    credential = TotpCredential(
        user_id=user.id, secret=enrolment.secret, created_at=now, last_used_step=step
    )
    with unique_fields(db, {"user_id": "code"}):  # the same form sent twice at once
        db.add(credential)
    codes = _replace_recovery_codes(db, user=user, now=now)
    record(db, actor_id=user.id, action="mfa_enrol", object_type="user", object_id=user.id, ip=ip)
    db.flush()
    return codes


# --- checking codes -------------------------------------------------------------------------


def throttled(credential: TotpCredential, *, now: datetime, settings: Settings) -> bool:
    window_start = now - timedelta(seconds=settings.login_failure_window)
    return (
        credential.failed_since is not None
        and credential.failed_since > window_start
        and credential.failures >= settings.login_max_failures_per_account
    )


def _count_failure(credential: TotpCredential, *, now: datetime, settings: Settings) -> None:
    window_start = now - timedelta(seconds=settings.login_failure_window)
    if credential.failed_since is None or credential.failed_since <= window_start:
        credential.failed_since = now
        credential.failures = 0
    credential.failures += 1


def check_code(
    db: Session, *, credential: TotpCredential, code: str, now: datetime, settings: Settings
) -> bool:
    """Whether ``code`` is the app's code of now (and not used before); counts a wrong one."""
    if throttled(credential, now=now, settings=settings):
        raise CodesThrottled(_throttle_message(settings))
    step = _matching_step(credential.secret, code, now=now, after=credential.last_used_step)
    if step is None:
        _count_failure(credential, now=now, settings=settings)
        db.flush()
        return False
    # Only if no other request took this step meanwhile: two requests with one code, one login.
    taken = db.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == credential.id,
            (TotpCredential.last_used_step.is_(None)) | (TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step, failures=0, failed_since=None)
        .execution_options(synchronize_session=False)
    )
    db.refresh(credential)
    return bool(getattr(taken, "rowcount", 0))


def use_recovery_code(
    db: Session,
    *,
    credential: TotpCredential,
    code: str,
    now: datetime,
    settings: Settings,
    ip: str | None,
) -> bool:
    """Spend one unused recovery code of the credential's user; counts a wrong one."""
    if throttled(credential, now=now, settings=settings):
        raise CodesThrottled(_throttle_message(settings))
    spent = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == credential.user_id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(spent, "rowcount", 0):
        _count_failure(credential, now=now, settings=settings)
        db.flush()
        return False
    credential.failures, credential.failed_since = 0, None
    record(
        db,
        actor_id=credential.user_id,
        action="recovery_code_used",
        object_type="user",
        object_id=credential.user_id,
        details={"left": unused_recovery_codes(db, user_id=credential.user_id)},
        ip=ip,
    )
    return True


def _throttle_message(settings: Settings) -> LazyText:
    return lazy_gettext(
        "Too many wrong codes. Wait %(minutes)s minutes and log in again.",
        minutes=settings.login_failure_window // 60,
    )


# --- recovery codes -------------------------------------------------------------------------


def _recovery_hash(code: str) -> str:
    normalised = _SEPARATORS.sub("", code).lower()
    return hashlib.sha256(f"recovery:{normalised}".encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def _replace_recovery_codes(db: Session, *, user: User, now: datetime) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code), created_at=now)
        for code in codes
    )
    return codes


def new_recovery_codes(
    db: Session, *, user: User, code: str, now: datetime, settings: Settings, ip: str | None
) -> list[str]:
    """Ten new codes in place of the old ones (used or not), shown with a current code from the
    app: a session alone (a browser left open, a stolen cookie) cannot make itself codes that
    would let it log in again without the phone."""
    credential = credential_of(db, user_id=user.id)
    if credential is None:
        raise InvalidInput({"code": lazy_gettext("Set up two-step verification first.")})
    if not check_code(db, credential=credential, code=code, now=now, settings=settings):
        raise InvalidInput({"code": WRONG_CODE})
    codes = _replace_recovery_codes(db, user=user, now=now)
    record(
        db,
        actor_id=user.id,
        action="mfa_recovery_codes_renewed",
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    db.flush()
    return codes


def unused_recovery_codes(db: Session, *, user_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


# --- turning it off -------------------------------------------------------------------------


def _remove(db: Session, *, user_id: int) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))


def turn_off(
    db: Session, *, user: User, code: str, now: datetime, settings: Settings, ip: str | None
) -> None:
    """The user's own choice, shown with a current code; not where the role requires it."""
    if is_required(user, settings):
        raise InvalidInput(
            {"code": lazy_gettext("Your role requires two-step verification: it stays on.")}
        )
    credential = credential_of(db, user_id=user.id)
    if credential is None:
        return
    if not check_code(db, credential=credential, code=code, now=now, settings=settings):
        raise InvalidInput({"code": WRONG_CODE})
    _remove(db, user_id=user.id)
    record(db, actor_id=user.id, action="mfa_disable", object_type="user", object_id=user.id, ip=ip)
    db.flush()


def reset(db: Session, *, actor: User, user: User, ip: str | None) -> bool:
    """An admin removes a user's app and recovery codes (a lost phone) and logs them out
    everywhere; their next login sets up a new app where the role requires one."""
    if not has_second_factor(db, user_id=user.id):
        return False
    _remove(db, user_id=user.id)
    end_all_sessions(db, user_id=user.id)
    record(db, actor_id=actor.id, action="mfa_reset", object_type="user", object_id=user.id, ip=ip)
    db.flush()
    return True
