"""Inviting, editing and disabling users through the admin pages, checked against the database."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import (
    AccountToken,
    CounsellorSchool,
    LoginSession,
    OutboxEmail,
    Role,
    TokenPurpose,
    User,
)
from tests.conftest import QueryCounter, SmtpServer
from tests.factories import (
    make_counsellor_school,
    make_guidance_unit,
    make_institution,
    make_login_session,
    make_school,
    make_user,
)
from tests.web import log_in, log_in_as, make_user_with_password, post_form


def _count(db: Session, model: type[object]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_invitation_is_mailed_with_a_link_to_choose_a_password(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    unit = make_guidance_unit(db)

    response = post_form(
        client,
        "/admin/users/invite",
        {
            "email": " Hanne.Vejleder@Haderslev.dk ",
            "full_name": "Hanne Bæk",
            "role": "counsellor",
            "organisation_id": str(unit.id),
            "locale": "da",
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users"
    invited = db.scalars(select(User).where(User.email == "hanne.vejleder@haderslev.dk")).one()
    assert (invited.role, invited.organisation_id, invited.password_hash) == (
        Role.COUNSELLOR,
        unit.id,
        None,
    )
    token = db.scalars(select(AccountToken).where(AccountToken.user_id == invited.id)).one()
    assert (token.purpose, token.created_by_id) == (TokenPurpose.INVITATION, admin.id)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "hanne.vejleder@haderslev.dk"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = re.search(r"https://testserver/invitation/[\w-]+", body)
    assert link, body
    assert "Hanne Bæk" in body
    listing = client.get("/admin/users")
    assert "Der er sendt en invitation til hanne.vejleder@haderslev.dk" in listing.text
    assert client.get(link.group(0).removeprefix("https://testserver")).status_code == 200


def test_bad_invitations_write_nothing_and_send_no_mail(
    client: TestClient, db: Session, smtp_server: SmtpServer
) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    users_before = _count(db, User)

    bad_email = post_form(
        client,
        "/admin/users/invite",
        {"email": "ikke-en-adresse", "full_name": "Ole", "role": "admin", "locale": "da"},
    )
    taken = post_form(
        client,
        "/admin/users/invite",
        {"email": admin.email.upper(), "full_name": "Ole", "role": "admin", "locale": "da"},
    )
    no_school = post_form(
        client,
        "/admin/users/invite",
        {"email": "ole@haderslev.dk", "full_name": "Ole", "role": "coordinator", "locale": "da"},
    )

    assert bad_email.status_code == taken.status_code == no_school.status_code == 422
    assert "Skriv en e-mailadresse som navn@eksempel.dk." in bad_email.text
    assert 'value="ikke-en-adresse"' in bad_email.text
    assert "Der findes allerede en bruger med denne e-mailadresse." in taken.text
    assert "Denne rolle kræver en organisation." in no_school.text
    assert _count(db, User) == users_before
    assert _count(db, OutboxEmail) == 0
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_admin_changes_role_organisation_and_a_counsellors_schools(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    unit = make_guidance_unit(db)
    user = make_user(db, role=Role.COORDINATOR)
    kept, added = make_school(db, name="Gram Skole"), make_school(db, name="Vojens Skole")
    make_institution(db, name="EUC Syd")  # not a school: never offered as one

    page = client.get(f"/admin/users/{user.id}")
    assert "Gram Skole" in page.text
    assert "EUC Syd" not in page.text.split("Skoler, vejlederen følger")[1]
    response = post_form(
        client,
        f"/admin/users/{user.id}",
        {
            "role": "counsellor",
            "organisation_id": str(unit.id),
            f"schools_{kept.id}": "1",
            f"schools_{added.id}": "1",
        },
    )

    assert response.status_code == 303
    db.refresh(user)
    assert (user.role, user.organisation_id) == (Role.COUNSELLOR, unit.id)
    schools = select(CounsellorSchool.school_id).where(CounsellorSchool.counsellor_id == user.id)
    assert set(db.scalars(schools)) == {kept.id, added.id}

    post_form(
        client,
        f"/admin/users/{user.id}",
        {"role": "counsellor", "organisation_id": str(unit.id), f"schools_{kept.id}": "1"},
    )
    assert set(db.scalars(schools)) == {kept.id}


def test_schools_are_only_for_counsellors(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    school = make_counsellor_school(db, counsellor=counsellor).school_id

    response = post_form(
        client,
        f"/admin/users/{counsellor.id}",
        {"role": "coordinator", "organisation_id": str(school), f"schools_{school}": "1"},
    )

    assert response.status_code == 422
    assert "Kun vejledere følger skoler." in response.text
    db.refresh(counsellor)
    assert counsellor.role is Role.COUNSELLOR
    assert _count(db, CounsellorSchool) == 1


def test_disabling_a_user_ends_their_sessions_and_enabling_lets_them_in(
    client: TestClient, db: Session, app: FastAPI
) -> None:
    log_in_as(client, db, Role.ADMIN)
    user = make_user_with_password(db, Role.COORDINATOR)
    make_login_session(db, user=user)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as theirs:
        log_in(theirs, user)
        assert "Log ud" in theirs.get("/").text

        response = post_form(client, f"/admin/users/{user.id}/disable", {"confirmed": "1"})

        assert response.status_code == 303
        db.refresh(user)
        assert not user.is_active
        sessions = select(func.count()).select_from(LoginSession)
        assert db.scalar(sessions.where(LoginSession.user_id == user.id)) == 0
        assert "Log ud" not in theirs.get("/").text
        assert (
            "er deaktiveret og logget ud alle steder"
            in client.get(response.headers["location"]).text
        )

        enabled = post_form(client, f"/admin/users/{user.id}/enable", {})
        db.refresh(user)
        assert enabled.status_code == 303
        assert user.is_active
        log_in(theirs, user)


def test_admin_cannot_disable_themself(client: TestClient, db: Session) -> None:
    admin = log_in_as(client, db, Role.ADMIN)

    response = post_form(client, f"/admin/users/{admin.id}/disable", {"confirmed": "1"})

    assert response.status_code == 422
    assert "Du kan ikke deaktivere din egen konto." in response.text
    db.refresh(admin)
    assert admin.is_active


def test_the_list_filters_by_role(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_user(db, role=Role.AMBASSADOR, full_name="Asta Ambassadør")
    make_user(db, role=Role.COUNSELLOR, full_name="Viggo Vejleder")

    ambassadors = client.get("/admin/users?role=ambassador")
    everyone = client.get("/admin/users?role=")
    fragment = client.get("/admin/users?role=counsellor", headers={"HX-Request": "true"})

    assert "Asta Ambassadør" in ambassadors.text
    assert "Viggo Vejleder" not in ambassadors.text
    assert "Asta Ambassadør" in everyone.text
    assert "Viggo Vejleder" in everyone.text
    assert fragment.text.lstrip().startswith('<div id="user-table">')
    assert "Viggo Vejleder" in fragment.text
    assert "Asta" not in fragment.text


def test_the_list_makes_the_same_number_of_queries_for_3_or_40_users(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)

    def queries(path: str) -> int:
        query_counter.reset()
        assert client.get(path).status_code == 200
        return query_counter.count

    for _ in range(2):
        make_user(db, role=Role.AMBASSADOR)
    few = queries("/admin/users"), queries("/admin/users?role=ambassador")
    for _ in range(37):
        make_user(db, role=Role.AMBASSADOR)
    many = queries("/admin/users"), queries("/admin/users?role=ambassador")

    assert few == many
    print(f"/admin/users: {many[0]} queries")


def test_the_edit_page_makes_the_same_number_of_queries_for_few_or_many_schools(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)
    counsellor = make_user(db, role=Role.COUNSELLOR)

    def queries() -> int:
        query_counter.reset()
        assert client.get(f"/admin/users/{counsellor.id}").status_code == 200
        return query_counter.count

    for _ in range(3):
        make_counsellor_school(db, counsellor=counsellor)
    few = queries()
    for _ in range(37):
        make_counsellor_school(db, counsellor=counsellor)
    many = queries()

    assert few == many
    print(f"/admin/users/<id>: {many} queries")
