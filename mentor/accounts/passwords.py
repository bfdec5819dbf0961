"""Argon2id password hashing (argon2-cffi), with rehash when the parameters change."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mentor.i18n import LazyText, lazy_gettext

MIN_LENGTH = 10
MAX_LENGTH = 256


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 "low memory" profile


@cache
def _dummy_hash() -> str:
    return hasher().hash("an unknown account has no password")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches. Runs the hasher even without a hash, so that the time a
    login takes does not tell whether the account exists."""
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def password_problem(password: str, *, email: str) -> LazyText | None:
    """Why a new password is refused, or None. Length over composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return lazy_gettext("The password must be at least %(n)s characters long.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return lazy_gettext("The password can be at most %(n)s characters long.", n=MAX_LENGTH)
    if password.strip().lower() == email.strip().lower():
        return lazy_gettext("The password must not be your e-mail address.")
    if len(set(password)) < 4:
        return lazy_gettext("The password is too easy to guess.")
    return None
