"""Account rules: logging in (with throttling), invitations, password resets, enabling users.

Messages never reveal whether an account exists: a wrong e-mail and a wrong password read the same,
take the same time (the hasher runs either way) and count against the same throttle.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from mentor.accounts import passwords, rate_limits, throttle
from mentor.accounts.sessions import end_all_sessions
from mentor.audit.service import record
from mentor.config import Settings
from mentor.db import utcnow
from mentor.errors import DomainError, InvalidInput, NotFound, unique_fields
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    AccountToken,
    LoginAttempt,
    Organisation,
    OrganisationKind,
    Role,
    TokenPurpose,
    User,
)
from mentor.notifications.service import queue_email
from mentor.organisations.service import set_counsellor_schools
from mentor.paging import Paged, matches_text, paginate


class LoginFailed(DomainError):
    status_code = 400
    default_message = lazy_gettext("The e-mail address or the password is wrong.")


class TokenInvalid(DomainError):
    status_code = 400
    default_message = lazy_gettext(
        "The link is no longer valid: it has expired or has been used. Ask for a new one."
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email_key(email: str) -> str:
    return throttle.email_key(normalise_email(email))


# How many password-reset mails an account, and an address, may ask for in an hour.
RESET_WINDOW = timedelta(hours=1)
RESET_BUCKET_ACCOUNT = "password_reset_account"
RESET_BUCKET_ADDRESS = "password_reset_address"


def authenticate(
    db: Session,
    *,
    email: str,
    password: str,
    ip: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> User:
    """The active user with this e-mail and password, or LoginFailed / LoginThrottled."""
    now = now or utcnow()
    key = _email_key(email)
    throttle.check(db, email_key=key, ip=ip, now=now, settings=settings)
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    valid = passwords.verify_password(user.password_hash if user else None, password)
    succeeded = bool(valid and user is not None and user.is_active)
    db.add(LoginAttempt(email_hash=key, ip=ip, attempted_at=now, succeeded=succeeded))
    if not succeeded or user is None or user.password_hash is None:
        record(db, actor_id=None, action="login_failed", object_type="user", ip=ip)
        db.flush()
        raise LoginFailed()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    record(db, actor_id=user.id, action="login", object_type="user", object_id=user.id, ip=ip)
    db.flush()
    return user


def _issue_token(
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


# Where each role belongs: a coordinator works at a school, an ambassador studies at a
# youth-education institution, a counsellor works in the guidance unit (KUI).
ORGANISATION_KINDS_FOR_ROLE: dict[Role, frozenset[OrganisationKind]] = {
    Role.COORDINATOR: frozenset(
        {OrganisationKind.PRIMARY_SCHOOL, OrganisationKind.TENTH_GRADE_CENTRE}
    ),
    Role.AMBASSADOR: frozenset({OrganisationKind.YOUTH_INSTITUTION}),
    Role.COUNSELLOR: frozenset({OrganisationKind.GUIDANCE_UNIT}),
}


def _organisation_problem(
    db: Session, *, role: Role, organisation_id: int | None
) -> LazyText | None:
    organisation = db.get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation_id is not None and organisation is None:
        return lazy_gettext("Choose an organisation from the list.")
    kinds = ORGANISATION_KINDS_FOR_ROLE.get(role)
    if kinds is None:
        return None
    if organisation is None:
        return lazy_gettext("This role needs an organisation.")
    if organisation.kind not in kinds:
        return lazy_gettext("This kind of organisation does not fit the role.")
    return None


def invite_user(
    db: Session,
    *,
    actor: User,
    email: str,
    full_name: str,
    role: Role,
    organisation_id: int | None,
    locale: str,
    settings: Settings,
) -> User:
    address = normalise_email(email)
    errors: dict[str, object] = {}
    if db.scalar(select(User.id).where(User.email == address)) is not None:
        errors["email"] = lazy_gettext("A user with this e-mail address already exists.")
    organisation_problem = _organisation_problem(db, role=role, organisation_id=organisation_id)
    if organisation_problem is not None:
        errors["organisation_id"] = organisation_problem
    if errors:
        raise InvalidInput(errors)  # type: ignore[arg-type]
    user = User(
        email=address,
        full_name=full_name.strip(),
        role=role,
        organisation_id=organisation_id,
        locale=locale,
        is_active=True,
    )
    with unique_fields(db, {"email": "email"}):  # two admins inviting one address at once
        db.add(user)
    send_invitation(db, user=user, actor=actor, settings=settings, locale=locale)
    record(db, actor_id=actor.id, action="invite", object_type="user", object_id=user.id)
    return user


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
    token = _issue_token(
        db,
        user=user,
        purpose=TokenPurpose.INVITATION,
        ttl=settings.invitation_ttl,
        created_by=actor,
    )
    queue_email(
        db,
        to=user.email,
        template=template,
        locale=locale,
        context={
            "name": user.full_name,
            "inviter": actor.full_name,
            "link": f"{settings.base_url}/invitation/{token}",
            "days": settings.invitation_ttl // 86400,
        },
    )


def request_password_reset(
    db: Session,
    *,
    email: str,
    locale: str,
    settings: Settings,
    ip: str | None,
    now: datetime | None = None,
) -> None:
    """Mail a reset link when an active account has this address; silent otherwise.

    At most a few mails an hour per e-mail address and per client address, counted whether or
    not the account exists, so neither the mails nor the answer tell who has an account.
    """
    now = now or utcnow()
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
    token = _issue_token(
        db,
        user=user,
        purpose=TokenPurpose.PASSWORD_RESET,
        ttl=settings.password_reset_ttl,
        created_by=None,
    )
    queue_email(
        db,
        to=user.email,
        template="password_reset",
        locale=user.locale or locale,
        context={
            "name": user.full_name,
            "link": f"{settings.base_url}/password-reset/{token}",
            "minutes": settings.password_reset_ttl // 60,
        },
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
    throttle.clear_failures(db, email_key=_email_key(user.email))


def list_users(db: Session, *, role: Role | None = None, q: str = "", page: int = 1) -> Paged[User]:
    """One page of users with their organisation, for the admin's list: two queries whatever
    their number; ``q`` finds a name or an e-mail address."""
    query = select(User).options(joinedload(User.organisation)).order_by(User.full_name, User.id)
    if role is not None:
        query = query.where(User.role == role)
    if q:
        query = query.where(matches_text(q, User.full_name, User.email))
    return paginate(db, query, page=page)


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def update_user(
    db: Session,
    *,
    actor: User,
    user: User,
    role: Role,
    organisation_id: int | None,
    school_ids: Collection[int] | None = None,
) -> User:
    """Change role and organisation; with ``school_ids``, also the schools a counsellor follows."""
    organisation_problem = _organisation_problem(db, role=role, organisation_id=organisation_id)
    if organisation_problem is not None:
        raise InvalidInput({"organisation_id": organisation_problem})
    if user.id == actor.id and role is not Role.ADMIN:
        raise InvalidInput({"role": lazy_gettext("You cannot take the admin role from yourself.")})
    if school_ids is not None:
        set_counsellor_schools(db, actor=actor, user=user, role=role, school_ids=school_ids)
    changes = {
        "role": [user.role.value, role.value],
        "organisation_id": [user.organisation_id, organisation_id],
    }
    if user.role is not role:
        end_all_sessions(db, user_id=user.id)  # a new role starts with a fresh login
    user.role = role
    user.organisation_id = organisation_id
    record(
        db,
        actor_id=actor.id,
        action="update",
        object_type="user",
        object_id=user.id,
        details=changes,
    )
    db.flush()
    return user


def set_user_active(db: Session, *, actor: User, user: User, active: bool) -> User:
    if user.id == actor.id and not active:
        raise InvalidInput({"active": lazy_gettext("You cannot disable your own account.")})
    user.is_active = active
    if not active:
        end_all_sessions(db, user_id=user.id)
    record(
        db,
        actor_id=actor.id,
        action="enable" if active else "disable",
        object_type="user",
        object_id=user.id,
    )
    db.flush()
    return user


def create_user(
    db: Session,
    *,
    email: str,
    full_name: str,
    role: Role,
    password: str,
    organisation_id: int | None = None,
) -> User:
    """For the command line (`mentor users create`) and the demo data: a user with a password."""
    address = normalise_email(email)
    if db.scalar(select(User.id).where(User.email == address)) is not None:
        raise InvalidInput(
            {"email": lazy_gettext("A user with this e-mail address already exists.")}
        )
    problem = passwords.password_problem(password, email=address)
    if problem is not None:
        raise InvalidInput({"password": problem})
    user = User(
        email=address,
        full_name=full_name,
        role=role,
        organisation_id=organisation_id,
        password_hash=passwords.hash_password(password),
        is_active=True,
    )
    db.add(user)
    db.flush()
    record(db, actor_id=None, action="create", object_type="user", object_id=user.id)
    return user
