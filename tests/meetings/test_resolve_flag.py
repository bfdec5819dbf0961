"""A counsellor resolves a meeting log's follow-up flag with a note: who may, what is refused,
what is written, and who reads the note."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, MeetingLog, Role
from tests.conftest import FakeClock
from tests.factories import make_counsellor_school, make_user
from tests.pupils.casework import Casework, casework
from tests.web import post_form, sign_in


@pytest.fixture
def case(db: Session) -> Casework:
    return casework(db)


def _url(case: Casework) -> str:
    return f"/meetings/{case.meeting.id}/log/resolve"


def _log(db: Session, case: Casework) -> MeetingLog:
    db.expire_all()
    return db.scalars(select(MeetingLog).where(MeetingLog.id == case.log.id)).one()


def test_a_counsellor_resolves_the_flag_with_a_note(
    db: Session, client: TestClient, case: Casework, clock: FakeClock
) -> None:
    sign_in(client, db, case.counsellor)
    page = client.get(f"/meetings/{case.meeting.id}/log").text
    assert "Afslut opfølgningen" in page

    response = post_form(client, _url(case), {"resolution": "  Ringede til eleven og far.  "})
    assert response.status_code == 303
    assert response.headers["location"] == f"/meetings/{case.meeting.id}/log"

    log = _log(db, case)
    assert log.follow_up_resolution == "Ringede til eleven og far."
    assert log.follow_up_resolved_by_id == case.counsellor.id
    assert log.follow_up_resolved_at == clock.now
    assert log.needs_follow_up  # the flag stays on the log: resolved, not erased
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "meeting_log", AuditEvent.action == "update"
        )
    ).one()
    assert event.pupil_id == case.pupil.id
    assert "Ringede" not in str(event.details)

    page = client.get(f"/meetings/{case.meeting.id}/log").text
    assert "Ringede til eleven og far." in page
    assert "Karen Vejleder" in page
    assert "Afslut opfølgningen" not in page
    timeline = client.get(f"/pupils/{case.pupil.id}").text
    assert "Opfølgning afsluttet" in timeline
    assert "Ringede til eleven og far." in timeline


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Skriv, hvad der blev gjort."),
        ("   ", "Skriv, hvad der blev gjort."),
        ("x" * 1001, "Højst 1000 tegn"),
        ("x" * 10_000, "Højst 1000 tegn"),
        ("Far har cpr 0102031234", "CPR"),
        ("nul\x00", "tegn, der ikke er tilladt"),
    ],
)
def test_a_bad_note_comes_back_and_resolves_nothing(
    db: Session, client: TestClient, case: Casework, note: str, message: str
) -> None:
    sign_in(client, db, case.counsellor)
    response = post_form(client, _url(case), {"resolution": note})
    assert response.status_code == 422
    assert message in response.text
    if note.strip() and "\x00" not in note:
        assert note[:40] in response.text
    log = _log(db, case)
    assert (log.follow_up_resolved_at, log.follow_up_resolution) == (None, None)


def test_a_flag_is_resolved_once_and_a_log_without_one_has_nothing_to_resolve(
    db: Session, client: TestClient, case: Casework
) -> None:
    sign_in(client, db, case.counsellor)
    assert post_form(client, _url(case), {"resolution": "Første."}).status_code == 303
    again = post_form(client, _url(case), {"resolution": "Anden."})
    assert again.status_code == 409
    assert "allerede afsluttet" in again.text
    assert _log(db, case).follow_up_resolution == "Første."

    calm = casework(db, flagged=False)
    sign_in(client, db, calm.counsellor)
    response = post_form(client, _url(calm), {"resolution": "Intet."})
    assert response.status_code == 409
    assert _log(db, calm).follow_up_resolution is None


def test_only_the_schools_counsellors_resolve_a_flag(
    db: Session, client: TestClient, case: Casework
) -> None:
    for user in (case.coordinator, case.ambassador_user, make_user(db, role=Role.ADMIN)):
        sign_in(client, db, user)
        assert post_form(client, _url(case), {"resolution": "Nej."}).status_code == 403
    other = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=other)
    sign_in(client, db, other)
    assert post_form(client, _url(case), {"resolution": "Nej."}).status_code == 404
    huge = post_form(client, "/meetings/99999999999/log/resolve", {"resolution": "Nej."})
    assert huge.status_code == 404
    assert _log(db, case).follow_up_resolution is None


def test_the_resolution_note_is_for_counsellors_only(
    db: Session, client: TestClient, case: Casework
) -> None:
    sign_in(client, db, case.counsellor)
    post_form(client, _url(case), {"resolution": "Hemmelig løsning."})
    for user in (case.coordinator, case.ambassador_user):
        sign_in(client, db, user)
        page = client.get(f"/meetings/{case.meeting.id}/log")
        assert page.status_code == 200
        assert "Hemmelig løsning." not in page.text
        assert "/log/resolve" not in page.text
    sign_in(client, db, case.coordinator)
    assert "Hemmelig løsning." not in client.get(f"/pupils/{case.pupil.id}").text
