"""An institution or programme id no id column can hold, in the application or the invitation
form (a tampered select), is told next to the field: never a 500 (found by tests/crawler)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import Ambassador, Role
from tests.factories import make_institution_programme
from tests.pages import main_text
from tests.web import csrf_token, log_in_as

TOO_LARGE = [str(2**31), str(2**63), "9" * 30]


def _form(db: Session, **changes: str) -> dict[str, str]:
    offered = make_institution_programme(db)
    return {
        "full_name": "Sara Holm",
        "email": "sara@elev.dk",
        "birth_date": f"{date.today().year - 17}-03-14",
        "institution_id": str(offered.institution_id),
        "programme_id": str(offered.programme_id),
        "year_of_study": "2",
        "understood": "1",
        "locale": "da",
        **changes,
    }


@pytest.mark.parametrize("field", ["institution_id", "programme_id"])
@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_application_with_an_id_past_the_column_is_refused(
    client: TestClient, db: Session, field: str, value: str
) -> None:
    data = {**_form(db, **{field: value}), "csrf_token": csrf_token(client, "/apply")}
    response = client.post("/apply", data=data)

    assert response.status_code == 422
    assert "Tallet er for stort" in main_text(response)
    assert db.scalar(select(func.count()).select_from(Ambassador)) == 0


@pytest.mark.parametrize("field", ["institution_id", "programme_id"])
def test_an_invitation_with_an_id_past_the_column_is_refused(
    client: TestClient, db: Session, field: str
) -> None:
    log_in_as(client, db, Role.COUNSELLOR)
    data = {**_form(db, **{field: str(2**31)}), "csrf_token": csrf_token(client, "/")}
    response = client.post("/ambassadors/invite", data=data)

    assert response.status_code == 422
    assert db.scalar(select(func.count()).select_from(Ambassador)) == 0
