"""Ids chosen in forms that no id column can hold (2^31 on PostgreSQL, 2^63 anywhere) get the
field's message, never a 5xx: the admin's user forms, the interest form, the ambassador's
profile."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Role
from tests.factories import make_user
from tests.web import csrf_token, log_in_as

HUGE = [str(2**31), str(2**63), "9" * 30]


@pytest.mark.parametrize("value", HUGE)
def test_an_organisation_past_any_id_is_refused_next_to_its_field(
    app: FastAPI, db: Session, value: str
) -> None:
    with TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    ) as client:
        log_in_as(client, db, Role.ADMIN)
        other = make_user(db, role=Role.COORDINATOR)
        invite = client.post(
            "/admin/users/invite",
            data={
                "csrf_token": csrf_token(client, "/admin/users/invite"),
                "email": "ny@haderslev.dk",
                "full_name": "Ny Bruger",
                "role": "coordinator",
                "organisation_id": value,
            },
        )
        edit = client.post(
            f"/admin/users/{other.id}",
            data={
                "csrf_token": csrf_token(client, f"/admin/users/{other.id}"),
                "role": "coordinator",
                "organisation_id": value,
            },
        )
        interest = client.post(
            "/admin/interests/new",
            data={
                "csrf_token": csrf_token(client, "/admin/interests/new"),
                "name_da": "Robotter",
                "name_en": "Robots",
                "group_id": value,
            },
        )
    for response in (invite, edit, interest):
        assert response.status_code == 422, response.status_code
        assert "Tallet er for stort." in response.text
