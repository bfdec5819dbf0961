"""Erasure on request (GDPR Art. 17): the confirmation counts exactly what goes; afterwards the
canary pupil's data is in no column of any table, in no list staff can download, and — on a
SQLite file — not in the raw bytes of the file or its log. The audit log keeps the event,
without a name."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import Base
from mentor.migrations import upgrade
from mentor.models import (
    AuditEvent,
    MeetingKind,
    MeetingLog,
    PrivacyRequest,
    PrivacyRequestKind,
    Role,
    User,
)
from mentor.privacy.erasure import erase_pupil, erasure_plan
from tests.conftest import FakeClock
from tests.factories import (
    make_audit_event,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_privacy_request,
    make_pupil,
    make_user,
)
from tests.privacy.canary import MARK, CanaryPupil, canary_columns, make_canary_pupil
from tests.privacy.files import app_on
from tests.web import csrf_token, log_in_as, sign_in

REASON = "Forælderens skriftlige anmodning af 30.11.2026"


def row_counts(db: Session) -> dict[str, int]:
    db.expire_all()
    return {
        table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def deleted_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: before[name] - after[name] for name in before if after[name] < before[name]}


def staff_downloads(client: TestClient, db: Session, canary: CanaryPupil) -> str:
    """Every list the school's coordinator, its counsellor and the admin can download."""
    texts = []
    for user in (canary.coordinator, canary.counsellor):
        client.cookies.clear()
        sign_in(client, db, user)
        for dataset in ("pupils", "matches", "meetings", "waiting"):
            response = client.get(
                "/exports/download",
                params={"dataset": dataset, "school": canary.school.code, "format": "csv"},
            )
            assert response.status_code == 200, (dataset, response.text[:300])
            texts.append(response.content.decode("utf-8-sig"))
    client.cookies.clear()
    log_in_as(client, db, Role.ADMIN)
    audit = client.get("/admin/audit.csv")
    assert audit.status_code == 200
    texts.append(audit.content.decode("utf-8-sig"))
    client.cookies.clear()
    return "\n".join(texts).lower()


def _erase(client: TestClient, request_id: int, **data: str) -> Response:
    path = f"/admin/privacy/{request_id}"
    return client.post(f"{path}/erase", data={**data, "csrf_token": csrf_token(client, path)})


def test_erasing_through_the_page_leaves_the_canary_nowhere(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    canary = make_canary_pupil(client, db, clock)
    request = make_privacy_request(db, pupil_id=canary.pupil_id, kind=PrivacyRequestKind.ERASURE)
    assert "qzxfrida" in staff_downloads(client, db, canary)  # the check can see the canary
    plan = erasure_plan(db, canary.pupil_id)
    admin = log_in_as(client, db, Role.ADMIN)
    page = client.get(f"/admin/privacy/{request.id}")
    assert page.status_code == 200
    assert "Qzxfrida Qzxensen" in page.text  # the admin sees whom they erase
    assert f"<code>note</code></th><td>{plan.deleted['note']}</td>" in page.text
    before = row_counts(db)

    response = _erase(client, request.id, reason=REASON, confirmed="1")

    assert response.status_code == 303
    assert deleted_between(before, row_counts(db)) == plan.deleted
    assert {"pupil", "note", "feedback", "meeting", "meeting_log", "exit_answer"} <= set(
        plan.deleted
    )
    assert plan.deleted["outbox_email"] >= 1
    assert canary_columns(db) == set()
    assert MARK not in staff_downloads(client, db, canary)
    [erased] = db.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
    assert (erased.actor_id, erased.object_type, erased.object_id, erased.pupil_id) == (
        admin.id,
        "pupil",
        str(canary.pupil_id),
        None,
    )
    assert erased.details == {"request_id": request.id, "reason": REASON}
    kept = db.get(PrivacyRequest, request.id)
    assert kept is not None
    assert (kept.pupil_id, kept.subject_label) == (None, f"pupil #{canary.pupil_id}")
    assert kept.completed_at == clock.now
    assert kept.completed_by_id == admin.id
    # No event points at the pupil any more.
    assert db.scalar(select(func.count()).where(AuditEvent.pupil_id == canary.pupil_id)) == 0

    client.cookies.clear()
    log_in_as(client, db, Role.ADMIN)
    done = client.get(f"/admin/privacy/{request.id}")
    assert "ikke længere i programmet" in done.text
    assert f"Elev nr. {canary.pupil_id}" in done.text
    assert 'action="/admin/privacy/' not in done.text.split("<main", 1)[1]


def test_a_group_meeting_stays_for_the_others_and_the_counts_are_exact(db: Session) -> None:
    asta = make_pupil(db, first_name="Asta")
    bjorn = make_pupil(db, school_id=asta.school_id)
    meeting = make_meeting(db, kind=MeetingKind.SMALL_GROUP, school_id=asta.school_id)
    for pupil in (asta, bjorn):
        make_meeting_participant(db, meeting=meeting, pupil=pupil)
    make_meeting_log(db, meeting=meeting)
    make_audit_event(db, pupil=asta, details={"name": "Asta"})
    make_privacy_request(db, pupil=asta, kind=PrivacyRequestKind.ERASURE)
    asta_id = asta.id
    plan = erasure_plan(db, asta_id)
    before = row_counts(db)

    erase_pupil(db, asta_id, actor_id=None)

    deleted = deleted_between(before, row_counts(db))
    assert deleted == plan.deleted
    assert deleted == {"pupil": 1, "meeting_participant": 1}
    assert plan.kept == {"audit_event": 1, "meeting": 1, "privacy_request": 1}
    assert db.scalar(select(func.count()).select_from(MeetingLog)) == 1
    # The event about her stays, without her number or what it said.
    assert db.scalars(select(AuditEvent.details).where(AuditEvent.action == "read")).all() == [{}]


def test_bad_input_is_refused_with_a_message_and_nothing_is_deleted(
    client: TestClient, db: Session
) -> None:
    pupil = make_pupil(db, first_name="Ingeborg", last_name="Kanariesen")
    request = make_privacy_request(db, pupil=pupil, kind=PrivacyRequestKind.ERASURE)
    log_in_as(client, db, Role.ADMIN)

    unticked = _erase(client, request.id, reason=REASON)
    named = _erase(client, request.id, reason="Ingeborg har bedt om det", confirmed="1")
    empty = _erase(client, request.id, reason="  ", confirmed="1")
    cpr = _erase(client, request.id, reason="CPR 010310-1234", confirmed="1")

    for response in (unticked, named, empty, cpr):
        assert response.status_code == 422
        assert "has-error" in response.text or "field-error" in response.text
    assert "Sæt flueben for at bekræfte" in unticked.text
    assert "Udelad elevens navn" in named.text
    assert "Feltet skal udfyldes." in empty.text
    assert 'value="Ingeborg har bedt om det"' in named.text
    assert db.get(PrivacyRequest, request.id) is not None
    db.expire_all()
    assert db.scalar(select(func.count()).where(AuditEvent.action == "erase")) == 0
    assert db.get(type(pupil), pupil.id) is not None


def test_a_completed_or_an_access_request_erases_nothing(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    access = make_privacy_request(db, kind=PrivacyRequestKind.ACCESS)
    done = make_privacy_request(db, kind=PrivacyRequestKind.ERASURE, completed_at=clock.now)
    log_in_as(client, db, Role.ADMIN)

    assert _erase(client, access.id, reason=REASON, confirmed="1").status_code == 409
    assert _erase(client, done.id, reason=REASON, confirmed="1").status_code == 409
    assert db.scalar(select(func.count()).where(AuditEvent.action == "erase")) == 0


def _raw(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def file_database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "erase.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url, path


def test_on_a_sqlite_file_the_erased_canary_is_not_in_its_bytes(
    file_database: tuple[str, Path], settings: Settings, clock: FakeClock
) -> None:
    url, path = file_database
    with app_on(url, settings, clock) as (client, db):
        canary = make_canary_pupil(client, db, clock, settle=db.commit)
        request = make_privacy_request(
            db, pupil_id=canary.pupil_id, kind=PrivacyRequestKind.ERASURE
        )
        admin = make_user(db, role=Role.ADMIN)
        db.commit()
        assert b"Qzxfrida" in _raw(path)
        client.cookies.clear()
        sign_in(client, db, db.get_one(User, admin.id))
        db.commit()

        response = _erase(client, request.id, reason=REASON, confirmed="1")

        assert response.status_code == 303
        # Read while the connections are open: closing the last one would checkpoint the
        # log by itself, and the test would not see whether the page emptied it.
        raw = _raw(path).lower()
        assert MARK.encode() not in raw
        assert b"29876543" not in raw
        assert canary_columns(db) == set()
        db.commit()
