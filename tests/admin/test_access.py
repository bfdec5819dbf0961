"""Only an admin reaches the admin pages: other roles get 403, visitors are sent to log in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import Organisation, Role
from tests.factories import make_interest, make_organisation, make_programme, make_user
from tests.web import log_in_as, post_form

PAGES = [
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/{organisation}",
    "/admin/users",
    "/admin/users/invite",
    "/admin/users/{user}",
    "/admin/programmes",
    "/admin/programmes/new",
    "/admin/programmes/{programme}",
    "/admin/interests",
    "/admin/interests/new",
    "/admin/interests/{interest}",
]
NOT_ADMIN = [Role.COORDINATOR, Role.COUNSELLOR, Role.AMBASSADOR]


def _paths(db: Session) -> list[str]:
    ids = {
        "organisation": make_organisation(db).id,
        "user": make_user(db).id,
        "programme": make_programme(db).id,
        "interest": make_interest(db).id,
    }
    return [page.format(**ids) for page in PAGES]


@pytest.mark.parametrize("role", NOT_ADMIN, ids=lambda role: role.value)
def test_other_roles_are_refused_every_admin_page(
    client: TestClient, db: Session, role: Role
) -> None:
    log_in_as(client, db, role)

    for path in _paths(db):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Adgang nægtet" in response.text


def test_visitors_are_sent_to_log_in(client: TestClient, db: Session) -> None:
    for path in _paths(db):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/admin/")


@pytest.mark.parametrize("role", NOT_ADMIN, ids=lambda role: role.value)
def test_other_roles_cannot_change_anything(client: TestClient, db: Session, role: Role) -> None:
    log_in_as(client, db, role)
    school = make_organisation(db)
    before = db.scalar(select(func.count()).select_from(Organisation))

    created = post_form(
        client, "/admin/organisations/new", {"kind": "primary_school", "name": "X", "code": "X"}
    )
    deactivated = post_form(client, f"/admin/organisations/{school.id}/deactivate", {})

    assert created.status_code == deactivated.status_code == 403
    assert db.scalar(select(func.count()).select_from(Organisation)) == before
    db.refresh(school)
    assert school.active


def test_an_unknown_id_is_not_found_for_the_admin(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    for path in ["/admin/organisations/999999", "/admin/users/999999", "/admin/programmes/999999"]:
        assert client.get(path).status_code == 404, path
