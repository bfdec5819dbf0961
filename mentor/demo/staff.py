"""The demo's staff: one login per role with a known password, and the colleagues around them.

Only the four demo logins have a password (the demo ambassadors share the ambassador's). The
other coordinators and the second counsellor have none, as if their invitations were waiting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mentor.accounts.passwords import hash_password
from mentor.config import Settings
from mentor.demo.municipality import Municipality
from mentor.demo.names import DANISH, email_local_part, person_name
from mentor.models import CounsellorSchool, Organisation, Role, User

# Printed by `make run`; at least 10 characters, as every password must be.
DEMO_PASSWORD = "demo-adgang-2026"  # noqa: S105 - the documented demo password


def mfa_notice(settings: Settings) -> str:
    """What `mentor demo` says about two-step verification, so that a newcomer knows whether the
    printed passwords are enough (`make run` sets MENTOR_MFA_REQUIRED_ROLES empty)."""
    if not settings.mfa_required_roles:
        return (
            "Multi-factor login is off in this demo (MENTOR_MFA_REQUIRED_ROLES is empty): log in "
            "with the passwords below. To require it for admins and counsellors, run "
            "`make run MENTOR_MFA_REQUIRED_ROLES=admin,counsellor`."
        )
    roles = ", ".join(settings.mfa_required_roles.split(","))
    return (
        f"Multi-factor login is required for: {roles} (MENTOR_MFA_REQUIRED_ROLES). Those demo "
        "logins set up an authenticator app after the password; `make run` turns it off."
    )


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    full_name: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.ADMIN, "admin@ambassador.local", DEMO_PASSWORD, "Anne-Mette Østergaard"),
    DemoLogin(Role.COUNSELLOR, "vejleder@ambassador.local", DEMO_PASSWORD, "Søren Bæk Jørgensen"),
    DemoLogin(Role.COORDINATOR, "koordinator@ambassador.local", DEMO_PASSWORD, "Åse Lauridsen"),
    DemoLogin(Role.AMBASSADOR, "ambassador@ambassador.local", DEMO_PASSWORD, "Freja Skov Møller"),
)

# Logins that show what another school's staff and another ambassador may not see: the
# coordinator of Hertug Hans Skole and a second ambassador (mentor.demo.term gives them their
# school's pupils and meetings). Same password.
OTHER_DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(Role.COORDINATOR, "koordinator2@ambassador.local", DEMO_PASSWORD, "Jonas Refslund"),
    DemoLogin(Role.AMBASSADOR, "ambassador2@ambassador.local", DEMO_PASSWORD, "Amir Haddad"),
)

# Where the demo logins belong: the coordinator's school, the ambassador's institution.
COORDINATOR_SCHOOL = "SBRO"
AMBASSADOR_INSTITUTION = "HADKAT"
# The second counsellor takes the schools in the west of the municipality; the demo counsellor
# the rest (most schools, so that the demo counsellor sees most of the data).
WEST = ("GRAM", "SKRY", "BEOJ", "HAML")


@dataclass(frozen=True)
class Staff:
    admin: User
    counsellor: User
    ambassador: User
    # Each school's coordinator, the demo coordinator among them.
    coordinators: dict[int, User]


def _by_code(municipality: Municipality) -> dict[str, Organisation]:
    organisations = [*municipality.all_schools, *municipality.institutions]
    return {organisation.code: organisation for organisation in organisations}


def build_staff(session: Session, rng: random.Random, municipality: Municipality) -> Staff:
    by_code = _by_code(municipality)
    organisation_of = {
        Role.ADMIN: None,
        Role.COUNSELLOR: municipality.guidance_unit.id,
        Role.COORDINATOR: by_code[COORDINATOR_SCHOOL].id,
        Role.AMBASSADOR: by_code[AMBASSADOR_INSTITUTION].id,
    }
    # One hash for the four logins: they share the password, and Argon2 is slow on purpose.
    password_hash = hash_password(DEMO_PASSWORD)
    users = {
        login.role: User(
            email=login.email,
            full_name=login.full_name,
            role=login.role,
            organisation_id=organisation_of[login.role],
            password_hash=password_hash,
            is_active=True,
        )
        for login in DEMO_LOGINS
    }
    session.add_all(users.values())

    coordinators = {by_code[COORDINATOR_SCHOOL].id: users[Role.COORDINATOR]}
    for school in municipality.all_schools:
        if school.id in coordinators:
            continue
        first, last = person_name(rng, DANISH.language, adult=True)
        coordinator = User(
            email=f"{email_local_part(first, last)}.{school.code.lower()}@skole.ambassador.local",
            full_name=f"{first} {last}",
            role=Role.COORDINATOR,
            organisation_id=school.id,
            is_active=True,
        )
        coordinators[school.id] = coordinator
        session.add(coordinator)
    second = User(
        email="karina.nielsen@kui.ambassador.local",
        full_name="Karina Holm Nielsen",
        role=Role.COUNSELLOR,
        organisation_id=municipality.guidance_unit.id,
        is_active=True,
    )
    session.add(second)
    session.flush()

    counsellor = users[Role.COUNSELLOR]
    session.add_all(
        CounsellorSchool(
            counsellor_id=second.id if school.code in WEST else counsellor.id,
            school_id=school.id,
        )
        for school in municipality.all_schools
    )
    return Staff(
        admin=users[Role.ADMIN],
        counsellor=counsellor,
        ambassador=users[Role.AMBASSADOR],
        coordinators=coordinators,
    )
