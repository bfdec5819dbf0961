"""Training is booked after the børneattest is cleared and completed after it was booked: the
admin's vetting page refuses dates that go backwards, next to the date, and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import Ambassador, AmbassadorState, AuditEvent, Role, User
from tests.factories import make_ambassador
from tests.pages import main_text
from tests.web import log_in_as, post_form

S = AmbassadorState


def cleared(db: Session, *, days_ago: int = 6, booked_days_ago: int | None = None) -> Ambassador:
    """An ambassador whose børneattest was cleared ``days_ago``, training booked or not."""
    return make_ambassador(
        db,
        state=S.CERTIFICATE_CLEARED,
        child_certificate_assessed_at=utcnow() - timedelta(days=days_ago),
        training_booked_at=(
            None if booked_days_ago is None else utcnow() - timedelta(days=booked_days_ago)
        ),
        training_completed_at=None,
    )


def day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


def local_day(ambassador: Ambassador, name: str) -> date | None:
    moment = getattr(ambassador, name)
    return None if moment is None else moment.astimezone(LOCAL_TIMEZONE).date()


def test_training_cannot_be_completed_unbooked(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    ambassador = cleared(db)

    response = post_form(
        client, f"/admin/ambassadors/{ambassador.id}/complete-training", {"trained_on": day(1)}
    )

    assert response.status_code == 422
    assert "Kurset er ikke booket: book det først." in main_text(response)
    assert 'id="trained_on-error"' in response.text  # next to the date
    db.refresh(ambassador)
    assert ambassador.state is S.CERTIFICATE_CLEARED
    assert ambassador.training_completed_at is None


def test_training_cannot_be_completed_before_it_was_booked(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    ambassador = cleared(db, days_ago=10, booked_days_ago=3)

    response = post_form(
        client, f"/admin/ambassadors/{ambassador.id}/complete-training", {"trained_on": day(5)}
    )

    assert response.status_code == 422
    booked = ambassador.training_booked_at
    assert booked is not None
    assert (
        "Kurset kan ikke være gennemført, før det blev booket"
        f" ({booked.astimezone(LOCAL_TIMEZONE):%d.%m.%Y})"
    ) in main_text(response)
    assert 'id="trained_on-error"' in response.text
    db.refresh(ambassador)
    assert ambassador.state is S.CERTIFICATE_CLEARED
    assert ambassador.training_completed_at is None


def test_training_cannot_be_booked_before_the_børneattest_was_cleared(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    ambassador = cleared(db, days_ago=4)

    response = post_form(
        client, f"/admin/ambassadors/{ambassador.id}/book-training", {"booked_on": day(6)}
    )

    assert response.status_code == 422
    assert "Kurset kan ikke være booket, før børneattesten blev godkendt" in main_text(response)
    assert 'id="booked_on-error"' in response.text
    db.refresh(ambassador)
    assert ambassador.training_booked_at is None


def test_training_is_booked_then_completed_and_both_are_audited(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    ambassador = cleared(db, days_ago=6)
    page = client.get(f"/admin/ambassadors/{ambassador.id}")
    assert f'action="/admin/ambassadors/{ambassador.id}/book-training"' in page.text

    booking = post_form(
        client, f"/admin/ambassadors/{ambassador.id}/book-training", {"booked_on": day(4)}
    )
    assert booking.status_code == 303, booking.text
    completing = post_form(
        client, f"/admin/ambassadors/{ambassador.id}/complete-training", {"trained_on": day(1)}
    )
    assert completing.status_code == 303, completing.text

    db.refresh(ambassador)
    assert ambassador.state is S.TRAINED
    assert local_day(ambassador, "training_booked_at") == date.today() - timedelta(days=4)
    assert local_day(ambassador, "training_completed_at") == date.today() - timedelta(days=1)
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "ambassador", AuditEvent.object_id == str(ambassador.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["ambassador_training_booked", "ambassador_trained"]
    timeline = main_text(client.get(f"/admin/ambassadors/{ambassador.id}"))
    assert "Kursus booket" in timeline
    # Trained: the booking is done with; the form is gone.
    assert "book-training" not in timeline


def test_booking_without_a_date_books_today(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    ambassador = cleared(db)

    response = post_form(client, f"/admin/ambassadors/{ambassador.id}/book-training", {})

    assert response.status_code == 303, response.text
    db.refresh(ambassador)
    assert local_day(ambassador, "training_booked_at") == utcnow().astimezone(LOCAL_TIMEZONE).date()
    assert ambassador.state is S.CERTIFICATE_CLEARED


def test_training_cannot_be_booked_before_the_børneattest_is_cleared(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    waiting = make_ambassador(
        db,
        state=S.CERTIFICATE_REQUESTED,
        child_certificate_assessed_at=None,
        training_booked_at=None,
        training_completed_at=None,
    )

    response = post_form(client, f"/admin/ambassadors/{waiting.id}/book-training", {})

    assert response.status_code == 409
    assert "Kurset kan først bookes, når børneattesten er godkendt." in main_text(response)
    db.refresh(waiting)
    assert waiting.training_booked_at is None


def test_a_bulk_training_names_those_not_booked(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    booked = cleared(db, booked_days_ago=3)
    unbooked = cleared(db)

    response = post_form(
        client,
        "/admin/ambassadors/bulk",
        {
            f"ambassador_{booked.id}": "1",
            f"ambassador_{unbooked.id}": "1",
            "action": "complete_training",
            "on": day(1),
        },
    )

    assert response.status_code == 422
    user = db.get(User, unbooked.user_id)
    assert user is not None
    assert f"Kurset er ikke booket for: {user.full_name}." in main_text(response)
    db.refresh(booked)
    assert booked.state is S.CERTIFICATE_CLEARED
