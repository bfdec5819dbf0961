"""Ids in paths that no id column can hold are simply not found, on every route: never a 5xx."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Role
from mentor.web.ids import MAX_ID
from tests.site.authorization_matrix import MATRIX
from tests.web import csrf_token, log_in_as

PARAMETER = re.compile(r"{(\w+):int}")
ROUTES_WITH_IDS = sorted(key for key in MATRIX if PARAMETER.search(key[1]))
HOSTILE = [str(MAX_ID + 1), str(2**63), "9" * 30]


def test_the_largest_id_still_reaches_the_route(app: FastAPI, db: Session) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        log_in_as(client, db, Role.COUNSELLOR)
        assert client.get(f"/pupils/{MAX_ID}").status_code == 404
        assert client.get(f"/pupils/{MAX_ID}").headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(("method", "path"), ROUTES_WITH_IDS)
def test_an_id_past_the_column_is_not_found(
    app: FastAPI, db: Session, method: str, path: str
) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        log_in_as(client, db, Role.COUNSELLOR)
        for value in HOSTILE:
            url = PARAMETER.sub(value, path)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_token(client, "/")})
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
