"""The meeting topics through the admin pages: create, edit, retire; the code never changes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.catalogue.calendar import active_topics
from mentor.models import AuditEvent, MeetingTopic, Role
from tests.factories import make_meeting_topic
from tests.web import log_in_as, post_form


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(MeetingTopic)) or 0


def _topic(**overrides: Any) -> dict[str, Any]:
    return {
        "code": "brobygning",
        "label_da": "Brobygning",
        "label_en": "Bridging courses",
        "active": "1",
        "sort_order": "60",
    } | overrides


def test_admin_creates_a_topic(client: TestClient, db: Session) -> None:
    admin = log_in_as(client, db, Role.ADMIN)

    response = post_form(client, "/admin/topics/new", _topic(code="Brobygning"))

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/topics"
    topic = db.scalars(select(MeetingTopic).where(MeetingTopic.code == "brobygning")).one()
    assert (topic.label_en, topic.active, topic.sort_order) == ("Bridging courses", True, 60)
    assert topic in active_topics(db)
    event = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "meeting_topic")).one()
    assert (event.action, event.actor_id, event.object_id) == ("create", admin.id, str(topic.id))
    listing = client.get("/admin/topics").text
    assert "Brobygning blev oprettet." in listing
    assert "Bridging courses" in listing


def test_admin_retires_a_topic_and_its_code_stays(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    topic = make_meeting_topic(db, code="doubts", label_da="Tvivl")

    page = client.get(f"/admin/topics/{topic.id}")
    assert 'name="code"' not in page.text  # shown, not editable
    assert "<code>doubts</code>" in page.text
    assert 'name="active" type="checkbox" value="1" checked' in page.text
    response = post_form(
        client,
        f"/admin/topics/{topic.id}",
        # The unticked checkbox sends nothing; a code smuggled in is ignored.
        {
            "code": "other",
            "label_da": "Tvivl og usikkerhed",
            "label_en": "Doubts",
            "sort_order": "5",
        },
    )

    assert response.status_code == 303
    db.refresh(topic)
    assert (topic.code, topic.label_da, topic.active, topic.sort_order) == (
        "doubts",
        "Tvivl og usikkerhed",
        False,
        5,
    )
    assert topic not in active_topics(db)
    assert "Inaktiv" in client.get("/admin/topics").text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "taken"}, "code", "Koden er allerede i brug."),
        ({"code": "TAKEN"}, "code", "Koden er allerede i brug."),
        (
            {"code": "hverdag som elev"},
            "code",
            "Brug kun små bogstaver a-z, tal og _, som i student_life.",
        ),
        ({"code": "x" * 41}, "code", "Teksten er for lang."),
        ({"code": ""}, "code", "Feltet skal udfyldes."),
        ({"label_da": ""}, "label_da", "Feltet skal udfyldes."),
        ({"label_en": "y" * 10_000}, "label_en", "Teksten er for lang."),
        ({"label_en": "Bridging\x00"}, "label_en", "Teksten indeholder tegn, der ikke er tilladt."),
        ({"sort_order": "først"}, "sort_order", "Skriv et helt tal."),
        ({"sort_order": "-1"}, "sort_order", "Tallet er for lille."),
    ],
)
def test_bad_input_is_refused_next_to_the_field(
    client: TestClient, db: Session, overrides: dict[str, str], field: str, message: str
) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_meeting_topic(db, code="taken")
    before = _count(db)

    response = post_form(client, "/admin/topics/new", _topic(**overrides))

    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    assert _count(db) == before
    if field != "label_da":
        assert 'value="Brobygning"' in response.text


def test_bad_input_on_edit_changes_nothing(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    topic = make_meeting_topic(db, label_da="Andet")

    response = post_form(
        client, f"/admin/topics/{topic.id}", {"label_da": "", "label_en": "Other", "active": "1"}
    )

    assert response.status_code == 422
    assert "Feltet skal udfyldes." in response.text
    db.refresh(topic)
    assert topic.label_da == "Andet"
    assert client.get("/admin/topics/999999").status_code == 404
