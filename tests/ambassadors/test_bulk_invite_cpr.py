"""A CPR number in any column of a file of students to invite: the row is refused, the preview
names line and column without the number, and no one is invited from it (issue 17)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import User
from tests.ambassadors import test_bulk_invite as bulk
from tests.ambassadors.test_bulk_invite import Places, count, csv_file, upload

# The fixtures of the invitation tests: an admin logged in, institutions and programmes.
admin = bulk.admin
places = bulk.places


@pytest.mark.parametrize(
    ("column", "row"),
    [
        ("Navn", "Sara 010203-1234;sara@elev.dk;HKS;STX;2"),
        ("E-mail", "Sara Holm;0102031234@elev.dk;HKS;STX;2"),
        ("Institution", "Sara Holm;sara@elev.dk;HKS 0102031234;STX;2"),
        ("År", "Sara Holm;sara@elev.dk;HKS;STX;010203-1234"),
    ],
)
def test_a_cpr_number_in_any_column_refuses_the_row_without_showing_it(
    client: TestClient, db: Session, admin: User, places: Places, column: str, row: str
) -> None:
    users_before = count(db, User)

    preview = upload(client, csv_file("Mikkel Bæk;mikkel@elev.dk;EUCS;EUX;1", row))

    assert preview.status_code == 200, preview.text
    assert "Inviteres: 1" in preview.text
    assert "Afviste rækker: 1" in preview.text
    assert f"<td>{column}</td>" in preview.text
    assert "CPR-nummer" in preview.text
    for number in ("010203-1234", "0102031234", "010203"):
        assert number not in preview.text
    assert count(db, User) == users_before
