"""A tampered preview (the sealed file's meta field) is refused with the upload-again message,
however it is built: deeply nested JSON, a list, a huge field. Never a 5xx."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_school
from tests.web import csrf_token, log_in_as

TAMPERED = ["[" * 100_000, "{" * 50_000, '[{"n": 1}]', '{"n": [[[[1]]]]}', "x" * 100_000]


@pytest.mark.parametrize(
    "meta", TAMPERED, ids=["nested-list", "nested-object", "list", "n", "long"]
)
@pytest.mark.parametrize(
    ("role", "path"),
    [(Role.COORDINATOR, "/pupils/import/commit"), (Role.ADMIN, "/admin/ambassadors/import/commit")],
)
def test_a_tampered_meta_field_asks_for_the_file_again(
    app: FastAPI, db: Session, role: Role, path: str, meta: str
) -> None:
    school = make_school(db)
    overrides = {"organisation": school} if role is Role.COORDINATOR else {}
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as client:
        log_in_as(client, db, role, **overrides)
        response = client.post(
            path,
            data={
                "csrf_token": csrf_token(client, "/"),
                "upload_meta": meta,
                "upload_0": "AAAA",
                "upload_signature": "0" * 64,
            },
        )
    assert response.status_code == 422
    assert "Forhåndsvisningen er udløbet eller blevet ændret" in response.text
