"""A duplicate that slips past the services' checks (two admins at once) is never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.catalogue import service as catalogue_service
from mentor.errors import InvalidInput
from mentor.models import Programme, ProgrammeFamily, Role
from mentor.organisations.service import unique_fields
from tests.factories import make_programme
from tests.web import log_in_as, post_form


def _programmes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Programme)) or 0


def test_unique_fields_names_the_field_and_leaves_the_session_usable(db: Session) -> None:
    make_programme(db, code="STX")

    with pytest.raises(InvalidInput) as caught, unique_fields(db, {"code": "code"}):
        db.add(Programme(code="STX", name_da="X", name_en="X", family=ProgrammeFamily.GYMNASIAL))

    assert set(caught.value.field_errors) == {"code"}
    assert _programmes(db) == 1


def test_the_page_shows_the_duplicate_next_to_the_field(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_programme(db, code="STX")
    # The other admin's row arrives between our check and our write.
    monkeypatch.setattr(catalogue_service, "_code_taken", lambda *_args: False)

    response = post_form(
        client,
        "/admin/programmes/new",
        {"code": "STX", "name_da": "Stx", "name_en": "Stx", "family": "gymnasial"},
    )

    assert response.status_code == 422
    assert "Værdien er allerede i brug." in response.text
    assert _programmes(db) == 1
