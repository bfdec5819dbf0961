"""Mail a committed action queued is delivered once the response is sent, whatever the route."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.models import AmbassadorState, OutboxEmail, OutboxState, Role
from tests.conftest import SmtpServer
from tests.factories import make_ambassador, make_user
from tests.web import log_in_as, post_form


def test_an_approval_mails_the_student_without_waiting_for_cron(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    student = make_user(db, role=Role.AMBASSADOR, is_active=False)
    ambassador = make_ambassador(
        db,
        user=student,
        state=AmbassadorState.APPLIED,
        child_certificate_assessed_at=None,
        training_completed_at=None,
    )
    log_in_as(client, db, Role.ADMIN)

    response = post_form(client, f"/admin/ambassadors/{ambassador.id}/approve", {})

    assert response.status_code == 303
    [message] = smtp_server.wait_for(1)
    assert message["To"] == student.email
    db.expire_all()
    [mail] = db.scalars(select(OutboxEmail)).all()
    assert mail.state is OutboxState.SENT
