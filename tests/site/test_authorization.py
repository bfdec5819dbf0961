"""Every route, every role: the answer the authorization matrix expects; and CSRF on every POST."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import Base
from mentor.models import Role
from tests.factories import make_user
from tests.site.authorization_matrix import MATRIX, PATH_VALUES
from tests.site.matrix_roles import ANONYMOUS, ROLES, Outcome
from tests.web import csrf_token, sign_in

PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = app_routes(app)
    assert routes - MATRIX.keys() == set(), "routes missing from the authorization matrix"
    assert MATRIX.keys() - routes == set(), "matrix entries for routes that no longer exist"


def sign_in_as(client: TestClient, db: Session, role: str) -> None:
    if role != ANONYMOUS:
        sign_in(client, db, make_user(db, role=Role(role)))


def concrete(db: Session, path: str) -> str:
    return PARAMETER.sub(lambda match: PATH_VALUES[match.group(1)](db), path)


def row_counts(db: Session) -> dict[str, int]:
    return {
        table.name: db.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(
    app: FastAPI, db: Session, settings: Settings, method: str, path: str
) -> None:
    for role in ROLES:
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            sign_in_as(client, db, role)
            url = concrete(db, path)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_token(client, "/")})
        expected = MATRIX[(method, path)][role]
        where = f"{method} {path} as {role}: {response.status_code}"
        if expected is Outcome.DENY:
            assert response.status_code == 403, where
            assert "Du har ikke adgang til denne side." in response.text, where
        elif expected is Outcome.LOGIN:
            assert response.status_code == 303, where
            assert response.headers["location"].startswith("/login?next="), where
        else:
            assert response.status_code not in (401, 403), where
            assert not response.headers.get("location", "").startswith("/login?next="), where


POSTS = sorted(key for key in MATRIX if key[0] == "POST")


@pytest.mark.parametrize(("method", "path"), POSTS)
def test_every_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    app: FastAPI, db: Session, settings: Settings, method: str, path: str
) -> None:
    with (
        TestClient(app, base_url="https://testserver", follow_redirects=False) as client,
        TestClient(app, base_url="https://testserver", follow_redirects=False) as other,
    ):
        sign_in_as(client, db, Role.ADMIN.value)
        url = concrete(db, path)
        foreign = csrf_token(other, "/")
        before = row_counts(db)

        missing = client.post(url, data={"email": "x@haderslev.dk"})
        stolen = client.post(url, data={"csrf_token": foreign})
        header = client.post(url, headers={"X-CSRF-Token": foreign})

    for response in (missing, stolen, header):
        assert response.status_code == 403, f"{path}: {response.status_code}"
        assert "Formularen var udløbet" in response.text
    assert row_counts(db) == before
