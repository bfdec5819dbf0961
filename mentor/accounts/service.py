"""Account rules: logging in (with throttling), invitations, password resets, enabling users.

Messages never reveal whether an account exists: a wrong e-mail and a wrong password read the same,
take the same time (the hasher runs either way) and count against the same throttle.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mentor.accounts import passwords, throttle
from mentor.accounts.links import normalise_email, send_invitation
from mentor.accounts.sessions import end_all_sessions
from mentor.audit.service import record
from mentor.config import Settings
from mentor.errors import DomainError, InvalidInput, NotFound, unique_fields
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import (
    LoginAttempt,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from mentor.organisations.service import set_counsellor_schools
from mentor.paging import Paged, matches_text, paginate


class LoginFailed(DomainError):
    status_code = 400
    default_message = lazy_gettext("The e-mail address or the password is wrong.")


def _email_key(email: str) -> str:
    return throttle.email_key(normalise_email(email))


def authenticate(
    db: Session,
    *,
    email: str,
    password: str,
    ip: str | None,
    settings: Settings,
    now: datetime,
) -> User:
    """The active user with this e-mail and password, or LoginFailed / LoginThrottled."""
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
