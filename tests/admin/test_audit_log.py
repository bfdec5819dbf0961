"""The admin's audit log: filtered by pupil, actor, action and dates, and exported as CSV with
the same filters (the export itself logged). Bad filters get a message next to the field."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.audit.labels import ACTION_LABELS, action_label
from mentor.i18n import using_locale
from mentor.models import AmbassadorState, AuditAction, AuditEvent, Role, TokenPurpose
from tests.factories import make_audit_event, make_pupil, make_user
from tests.web import log_in_as


def _events(db: Session) -> dict[str, int]:
    reader = make_user(db, role=Role.COUNSELLOR, full_name="Vera Vejleder")
    other = make_user(db, role=Role.COORDINATOR, full_name="Kaj Koordinator")
    pupil = make_pupil(db)
    return {
        "read": make_audit_event(
            db, actor=reader, pupil=pupil, at=datetime(2026, 11, 2, 9, tzinfo=UTC)
        ).id,
        "update": make_audit_event(
            db,
            actor=other,
            action="update",
            object_type="pupil",
            pupil=pupil,
            at=datetime(2026, 11, 20, 9, tzinfo=UTC),
        ).id,
        "login": make_audit_event(
            db, actor=other, action="login", at=datetime(2026, 10, 1, 9, tzinfo=UTC)
        ).id,
        "pupil": pupil.id,
    }


def test_the_log_is_filtered_by_pupil_actor_action_and_dates(
    client: TestClient, db: Session
) -> None:
    made = _events(db)
    log_in_as(client, db, Role.ADMIN)

    everything = client.get("/admin/audit")
    by_pupil = client.get("/admin/audit", params={"pupil": made["pupil"]})
    by_actor = client.get("/admin/audit", params={"actor": "Kaj"})
    by_action = client.get("/admin/audit", params={"action": "login"})
    by_dates = client.get("/admin/audit", params={"from": "01.11.2026", "to": "2026-11-10"})

    assert everything.status_code == 200
    assert "Revisionslog" in everything.text
    assert "Vera Vejleder" in everything.text
    assert "Kaj Koordinator" in everything.text
    assert "Hændelser (2)" in by_pupil.text
    assert "Hændelser (2)" in by_actor.text
    assert "Vera Vejleder" not in by_actor.text
    assert "Hændelser (1)" in by_action.text
    assert "Hændelser (1)" in by_dates.text
    assert "Vera Vejleder" in by_dates.text


def test_a_bad_filter_gets_a_message_next_to_its_field(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    bad_date = client.get("/admin/audit", params={"from": "01.01.0001"})
    huge_pupil = client.get("/admin/audit", params={"pupil": str(2**63)})

    assert bad_date.status_code == huge_pupil.status_code == 422
    assert "has-error" in bad_date.text
    assert "Tallet er for stort." in huge_pupil.text


def test_the_export_holds_the_filtered_events_and_is_itself_logged(
    client: TestClient, db: Session
) -> None:
    made = _events(db)
    admin = log_in_as(client, db, Role.ADMIN)

    response = client.get("/admin/audit.csv", params={"pupil": made["pupil"]})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Tidspunkt", "Hvem", "Handling"]
    assert sorted((row[2], row[3]) for row in rows[1:]) == [("Læst", "Elev"), ("Ændret", "Elev")]
    logged = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.object_type == "audit_event"
        )
    ).one()
    assert logged.actor_id == admin.id
    assert logged.details == {"filters": {"pupil": str(made["pupil"])}, "rows": 2}


def _labelled_events(db: Session) -> None:
    make_audit_event(db, action="mfa_reset", object_type="user", object_id="7")
    make_audit_event(db, action="questionnaire_link_created", object_type="pupil")
    # An old row: a code no longer written, and an object no longer logged.
    make_audit_event(db, action="retired_action", object_type="retired_object")


def _options(page: str) -> list[tuple[str, str]]:
    select = page.split('<select id="action"', 1)[1].split("</select>", 1)[0]
    found = re.findall(r'<option value="([^"]*)"\s*(?:selected)?>([^<]*)</option>', select)
    return [(value, text) for value, text in found if value]


def test_the_log_names_actions_and_objects_in_danish(client: TestClient, db: Session) -> None:
    _labelled_events(db)
    log_in_as(client, db, Role.ADMIN)

    page = client.get("/admin/audit")
    chosen = client.get("/admin/audit", params={"action": "mfa_reset"})

    assert page.status_code == 200
    assert "<td>Totrinsbekræftelse nulstillet</td>" in page.text
    assert "<td>Link til spørgeskemaet oprettet</td>" in page.text
    assert "<td>Bruger 7</td>" in page.text
    assert "<td>retired_action</td>" in page.text
    assert "<td>retired_object</td>" in page.text
    assert "mfa_reset</td>" not in page.text
    assert _options(page.text) == [
        ("questionnaire_link_created", "Link til spørgeskemaet oprettet"),
        ("retired_action", "retired_action"),
        ("mfa_reset", "Totrinsbekræftelse nulstillet"),
    ]
    assert '<option value="mfa_reset" selected>' in chosen.text
    assert "Hændelser (1)" in chosen.text


def test_the_log_names_actions_and_objects_in_english(client: TestClient, db: Session) -> None:
    _labelled_events(db)
    log_in_as(client, db, Role.ADMIN)
    client.cookies.set("mentor_lang", "en")

    page = client.get("/admin/audit")

    assert page.status_code == 200
    assert "<td>Two-step verification reset</td>" in page.text
    assert "<td>User 7</td>" in page.text
    assert "<td>retired_action</td>" in page.text
    assert _options(page.text) == [
        ("questionnaire_link_created", "Questionnaire link made"),
        ("retired_action", "retired_action"),
        ("mfa_reset", "Two-step verification reset"),
    ]


def test_the_export_names_actions_and_objects_in_the_readers_language(
    client: TestClient, db: Session
) -> None:
    _labelled_events(db)
    log_in_as(client, db, Role.ADMIN)

    danish = client.get("/admin/audit.csv", params={"action": "mfa_reset"})
    client.cookies.set("mentor_lang", "en")
    english = client.get("/admin/audit.csv", params={"action": "retired_action"})

    danish_rows = list(csv.reader(io.StringIO(danish.content.decode("utf-8-sig")), delimiter=";"))
    english_rows = list(csv.reader(io.StringIO(english.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[2:5] for row in danish_rows[1:]] == [
        ["Totrinsbekræftelse nulstillet", "Bruger", "7"]
    ]
    assert english_rows[0][2:4] == ["Action", "Object"]
    assert [row[2:4] for row in english_rows[1:]] == [["retired_action", "retired_object"]]


def test_every_action_the_code_writes_by_name_has_a_label() -> None:
    computed = [f"ambassador_{state.value}" for state in AmbassadorState] + [
        f"{purpose.value}_used" for purpose in TokenPurpose
    ]

    unlabelled = [code for code in [*AuditAction, *computed] if code not in ACTION_LABELS]

    assert unlabelled == []
    with using_locale("da"):
        assert action_label(AuditAction.ERASE) == "Slettet efter anmodning"
        assert action_label(AuditAction.UPDATE) == "Ændret"
