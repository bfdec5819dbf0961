"""A coordinator never reaches another school's pupil, on any pupil route, htmx or not: 404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import AuditEvent, ConsentState, Pupil, PupilStatus, Role
from tests.factories import make_counsellor_school, make_pupil, make_school
from tests.web import csrf_token, log_in_as

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()

# Every route with a pupil in its path, and a form that would succeed for one's own pupil.
PUPIL_ROUTES = [
    ("GET", "/pupils/{id}", {}),
    ("GET", "/pupils/{id}/edit", {}),
    (
        "POST",
        "/pupils/{id}/edit",
        {"first_name": "Ændret", "last_name": "Navn", "grade": "8"},
    ),
    (
        "POST",
        "/pupils/{id}/consent",
        {"state": "withdrawn", "given_by": "X", "method": "paper", "consent_date": YESTERDAY},
    ),
    ("POST", "/pupils/{id}/archive", {}),
    ("POST", "/pupils/{id}/restore", {}),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.COUNSELLOR])
@pytest.mark.parametrize(("method", "path", "form"), PUPIL_ROUTES)
def test_another_schools_pupil_is_not_found(
    client: TestClient,
    db: Session,
    role: Role,
    method: str,
    path: str,
    form: dict[str, str],
    htmx: bool,
) -> None:
    mine, theirs = make_school(db), make_school(db)
    if role is Role.COORDINATOR:
        log_in_as(client, db, role, organisation=mine)
    else:
        make_counsellor_school(db, counsellor=log_in_as(client, db, role), school=mine)
    own = make_pupil(db, school=mine)
    other = make_pupil(db, school=theirs, first_name="Fremmed", status=PupilStatus.ACTIVE)
    headers = {"HX-Request": "true"} if htmx else {}
    token = csrf_token(client, "/")

    def call(pupil: Pupil) -> int:
        url = path.format(id=pupil.id)
        if method == "GET":
            return client.get(url, headers=headers).status_code
        return client.post(url, data={**form, "csrf_token": token}, headers=headers).status_code

    audit_before = db.scalar(select(func.count()).select_from(AuditEvent))
    assert call(other) == 404
    db.refresh(other)
    assert other.first_name == "Fremmed"
    assert other.status is PupilStatus.ACTIVE
    assert other.consent_state is ConsentState.GIVEN
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    # The same request for one's own pupil goes through (so the 404 is about scope).
    assert call(own) in (200, 204, 303)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_class_checklist_of_another_school_is_not_found(
    client: TestClient, db: Session, htmx: bool
) -> None:
    mine, theirs = make_school(db), make_school(db)
    log_in_as(client, db, Role.COORDINATOR, organisation=mine)
    other = make_pupil(
        db, school=theirs, class_name="8.a", consent_state=ConsentState.MISSING,
        consent_given_by=None, consent_method=None, consent_at=None,
    )  # fmt: skip
    headers = {"HX-Request": "true"} if htmx else {}

    page = client.get(f"/pupils/consent?school_id={theirs.id}&class_name=8.a", headers=headers)
    posted = client.post(
        "/pupils/consent",
        data={
            "school_id": str(theirs.id),
            "class_name": "8.a",
            "method": "paper",
            "consent_date": YESTERDAY,
            f"state_{other.id}": "given",
            f"given_by_{other.id}": "Fremmed Forælder",
            "csrf_token": csrf_token(client, "/"),
        },
        headers=headers,
    )

    assert page.status_code == 404
    assert posted.status_code == 404
    db.refresh(other)
    assert other.consent_state is ConsentState.MISSING


def test_the_list_fragment_never_shows_another_schools_pupils(
    client: TestClient, db: Session
) -> None:
    mine, theirs = make_school(db), make_school(db)
    log_in_as(client, db, Role.COORDINATOR, organisation=mine)
    make_pupil(db, school=theirs, first_name="Fremmed")

    for query in ("", f"?school_id={theirs.id}", "?q=fremmed"):
        fragment = client.get(f"/pupils{query}", headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert "Fremmed" not in fragment.text


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AMBASSADOR])
def test_admins_and_ambassadors_are_refused_every_pupil_route(
    client: TestClient, db: Session, role: Role
) -> None:
    pupil = make_pupil(db)
    log_in_as(client, db, role)
    token = csrf_token(client, "/")
    for method, path, form in PUPIL_ROUTES:
        url = path.format(id=pupil.id)
        response = (
            client.get(url)
            if method == "GET"
            else client.post(url, data={**form, "csrf_token": token})
        )
        assert response.status_code == 403, (role, url)
    for url in ("/pupils", "/pupils/consent", "/pupils/consent-letter"):
        assert client.get(url).status_code == 403, (role, url)
