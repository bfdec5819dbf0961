"""Every page also answers an htmx request (one named block): never a 5xx.

A block rendered on its own sees only what is inside it, so a macro imported outside the block
is undefined there — a 500 that only htmx requests hit.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.site.authorization_matrix import MATRIX
from tests.site.matrix_roles import ROLES, Outcome
from tests.site.test_authorization import concrete, sign_in_as

GETS = sorted(key for key in MATRIX if key[0] == "GET")


@pytest.mark.parametrize(("method", "path"), GETS)
def test_every_page_answers_htmx_without_error(
    app: FastAPI, db: Session, method: str, path: str
) -> None:
    for role in ROLES:
        if MATRIX[(method, path)][role] is not Outcome.ALLOW:
            continue
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            sign_in_as(client, db, role)
            response = client.get(concrete(db, path), headers={"HX-Request": "true"})
        assert response.status_code < 500, f"GET {path} as {role}: {response.status_code}"
