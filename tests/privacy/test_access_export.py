"""The subject-access export (GDPR Art. 15) holds everything about the pupil — every table their
data was written to, found from the models' foreign keys — and who read or changed it; reading it
is on the audit log; nothing of another pupil is in it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.errors import NotFound
from mentor.models import AuditEvent, MeetingKind, PrivacyRequestKind, Role
from mentor.privacy.access import export_html, pupil_export
from mentor.privacy.requests import due_date
from tests.conftest import FakeClock
from tests.factories import (
    make_audit_event,
    make_feedback,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_privacy_request,
    make_pupil,
    make_user,
)
from tests.privacy.canary import CANARIES, MARK, canary_columns, make_canary_pupil
from tests.web import log_in_as


def _text(export: dict[str, object]) -> str:
    return json.dumps(export, ensure_ascii=False).lower()


def test_the_export_holds_the_canary_of_every_table_it_was_written_to(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    canary = make_canary_pupil(client, db, clock)
    written = {table for table, _column in canary_columns(db)}

    export = pupil_export(db, canary.pupil_id, now=clock.now)

    # The canary went where the data really goes; the audit log's details hold none of it.
    assert {"pupil", "meeting_log", "feedback", "note", "exit_answer", "outbox_email"} <= written
    tables = export["tables"]
    assert isinstance(tables, dict)
    for table in written - {"audit_event"}:
        assert MARK in json.dumps(tables.get(table), ensure_ascii=False).lower(), table
    for text in CANARIES.values():
        assert text.lower() in _text(export), text
    # The second level: the meeting the pupil took part in and its log, the match's answers.
    assert [row["id"] for row in tables["meeting"]] == [canary.meeting_id]
    assert {"match", "meeting_participant", "pupil_link", "pupil_interest"} <= set(tables)
    # Dates and times are ISO text.
    assert str(tables["pupil"][0]["created_at"]).startswith(str(clock.now.year))


def test_the_audit_events_say_who_read_or_changed_what(db: Session, clock: FakeClock) -> None:
    pupil = make_pupil(db)
    reader = make_user(db, role=Role.COUNSELLOR, full_name="Vera Vejleder")
    make_audit_event(db, actor=reader, pupil=pupil, action="read", object_type="pupil")
    make_audit_event(db, pupil=pupil, action="update", object_type="pupil", details={"x": 1})

    events = pupil_export(db, pupil.id, now=clock.now)["audit_events"]

    assert isinstance(events, list)
    assert [(e["actor"], e["actor_role"], e["action"]) for e in events] == [
        ("Vera Vejleder", "counsellor", "read"),
        (None, None, "update"),
    ]
    assert events[1]["details"] == {"x": 1}


def test_another_pupils_rows_in_a_group_meeting_are_not_in_the_export(
    db: Session, clock: FakeClock
) -> None:
    asta = make_pupil(db, first_name="Asta")
    bjorn = make_pupil(db, first_name="Bjørnulf", school_id=asta.school_id)
    meeting = make_meeting(db, kind=MeetingKind.SMALL_GROUP, school_id=asta.school_id)
    for pupil in (asta, bjorn):
        make_meeting_participant(db, meeting=meeting, pupil=pupil)
        make_feedback(db, meeting=meeting, pupil=pupil, comment=f"Om {pupil.first_name}")
    make_meeting_log(db, meeting=meeting)

    export = pupil_export(db, asta.id, now=clock.now)

    tables = export["tables"]
    assert isinstance(tables, dict)
    assert [row["pupil_id"] for row in tables["meeting_participant"]] == [asta.id]
    assert [row["comment"] for row in tables["feedback"]] == ["Om Asta"]
    assert len(tables["meeting_log"]) == 1
    assert "Bjørnulf" not in json.dumps(export, ensure_ascii=False)


def test_a_pupil_that_does_not_exist_has_no_export(db: Session, clock: FakeClock) -> None:
    with pytest.raises(NotFound):
        pupil_export(db, 2**31 - 1, now=clock.now)


@pytest.mark.parametrize("locale", ["da", "en"])
def test_the_printable_page_has_headings_in_the_language(
    db: Session, clock: FakeClock, locale: str
) -> None:
    pupil = make_pupil(db, first_name="Kanariefugl")
    page = export_html(pupil_export(db, pupil.id, now=clock.now), locale=locale)
    heading = {"da": "Data om elev nr.", "en": "Data about pupil no."}[locale]
    assert f"{heading} {pupil.id}" in page
    assert "Kanariefugl" in page
    assert f'<html lang="{locale}">' in page


def test_the_export_pages_hold_the_canary_and_are_logged(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    canary = make_canary_pupil(client, db, clock)
    request = make_privacy_request(db, pupil_id=canary.pupil_id, kind=PrivacyRequestKind.ACCESS)
    admin = log_in_as(client, db, Role.ADMIN)

    as_json = client.get(f"/admin/privacy/{request.id}/export.json")
    as_html = client.get(f"/admin/privacy/{request.id}/export.html")

    assert as_json.status_code == as_html.status_code == 200
    assert "attachment" in as_json.headers["content-disposition"]
    assert as_html.headers["content-type"].startswith("text/html")
    for text in CANARIES.values():
        assert text.lower() in as_json.text.lower(), text
        assert text in as_html.text.replace("&#39;", "'"), text
    assert json.loads(as_json.text)["pupil_id"] == canary.pupil_id
    exports = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.pupil_id == canary.pupil_id
        )
    ).all()
    assert [(e.actor_id, e.details) for e in exports] == [
        (admin.id, {"format": "json", "request_id": request.id}),
        (admin.id, {"format": "html", "request_id": request.id}),
    ]


def test_an_erasure_request_has_no_export(client: TestClient, db: Session) -> None:
    request = make_privacy_request(db, kind=PrivacyRequestKind.ERASURE)
    log_in_as(client, db, Role.ADMIN)
    assert client.get(f"/admin/privacy/{request.id}/export.json").status_code == 404
    assert client.get(f"/admin/privacy/{request.id}/export.html").status_code == 404


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 30), date(2026, 12, 30)),
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 15), date(2027, 1, 15)),
        (date(2026, 3, 31), date(2026, 4, 30)),
    ],
)
def test_a_request_is_due_one_month_after_receipt(received: date, due: date) -> None:
    assert due_date(received) == due
