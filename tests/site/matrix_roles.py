"""Outcomes and role columns of the authorization matrix, shared by its area modules."""

from __future__ import annotations

from enum import StrEnum

from mentor.models import Role


class Outcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    LOGIN = "login"


ANONYMOUS = "anonymous"
ROLES: list[str] = [ANONYMOUS, *(role.value for role in Role)]

PUBLIC = dict.fromkeys(ROLES, Outcome.ALLOW)
ADMIN_ONLY = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.ALLOW,
    Role.COUNSELLOR.value: Outcome.DENY,
    Role.COORDINATOR.value: Outcome.DENY,
    Role.AMBASSADOR.value: Outcome.DENY,
}

# Staff who enrol pupils: a school's coordinator and the counsellors of its schools.
ENROLMENT_STAFF = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.ALLOW,
    Role.AMBASSADOR.value: Outcome.DENY,
}

# The ambassador's own pages.
AMBASSADOR_ONLY = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.DENY,
    Role.COORDINATOR.value: Outcome.DENY,
    Role.AMBASSADOR.value: Outcome.ALLOW,
}

# Matching runs: the counsellors (admins do no casework and see no pupil).
COUNSELLOR_ONLY = {
    ANONYMOUS: Outcome.LOGIN,
    Role.ADMIN.value: Outcome.DENY,
    Role.COUNSELLOR.value: Outcome.ALLOW,
    Role.COORDINATOR.value: Outcome.DENY,
    Role.AMBASSADOR.value: Outcome.DENY,
}
