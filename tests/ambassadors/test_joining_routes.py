"""Joining through HTTP: the public application, its rate limit and silence about known
addresses; invitations by staff; the admin's vetting pages."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import (
    Ambassador,
    AmbassadorState,
    Organisation,
    OutboxEmail,
    Programme,
    RateLimitEvent,
    Role,
    User,
)
from tests.factories import (
    make_ambassador,
    make_institution,
    make_institution_programme,
    make_programme,
    make_user,
)
from tests.web import csrf_token, log_in_as


def application(db: Session, email: str) -> dict[str, str]:
    offered = make_institution_programme(db)
    return {
        "full_name": "Sara Holm",
        "email": email,
        "birth_date": f"{date.today().year - 17}-03-14",
        "institution_id": str(offered.institution_id),
        "programme_id": str(offered.programme_id),
        "year_of_study": "2",
        "understood": "1",
    }


def apply(client: TestClient, data: dict[str, str]) -> Response:
    return client.post("/apply", data={**data, "csrf_token": csrf_token(client, "/apply")})


def test_the_public_page_says_what_it_takes(client: TestClient) -> None:
    page = client.get("/apply")
    assert page.status_code == 200
    assert "børneattest" in page.text.lower()


def test_an_application_creates_a_pending_ambassador_and_mails_a_receipt(
    client: TestClient, db: Session
) -> None:
    response = apply(client, application(db, "sara@elev.dk"))
    assert response.status_code == 303
    assert response.headers["location"] == "/apply/thanks"
    user = db.scalars(select(User).where(User.email == "sara@elev.dk")).one()
    assert user.role is Role.AMBASSADOR
    assert not user.is_active
    assert user.password_hash is None
    ambassador = db.scalars(select(Ambassador).where(Ambassador.user_id == user.id)).one()
    assert ambassador.state is AmbassadorState.APPLIED
    assert db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == "sara@elev.dk")).one()


def test_a_known_address_gets_the_same_answer_and_nothing_is_created(
    client: TestClient, db: Session
) -> None:
    make_user(db, role=Role.COUNSELLOR, email="kendt@haderslev.dk")
    known = apply(client, application(db, "kendt@haderslev.dk"))
    new = apply(client, application(db, "ny@elev.dk"))
    assert known.status_code == new.status_code == 303
    assert known.headers["location"] == new.headers["location"]
    assert client.get(known.headers["location"]).text == client.get(new.headers["location"]).text
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.email == "kendt@haderslev.dk"))
        == 1
    )
    mails = db.scalars(select(OutboxEmail.to_address)).all()
    assert "kendt@haderslev.dk" not in mails


def test_applications_are_rate_limited_per_address(
    client: TestClient, db: Session, settings: Settings
) -> None:
    for n in range(settings.applications_per_ip_per_hour):
        assert apply(client, application(db, f"elev{n}@elev.dk")).status_code == 303
    refused = apply(client, application(db, "en.for.meget@elev.dk"))
    assert refused.status_code == 429
    assert db.scalar(select(User.id).where(User.email == "en.for.meget@elev.dk")) is None
    keys = db.scalars(select(RateLimitEvent.key_hash)).all()
    assert keys
    assert all("testclient" not in key and len(key) == 64 for key in keys)


def test_a_bad_application_comes_back_with_messages_and_values(
    client: TestClient, db: Session
) -> None:
    data = application(db, "ikke-en-adresse")
    del data["understood"]
    response = apply(client, data)
    assert response.status_code == 422
    assert 'value="Sara Holm"' in response.text
    assert 'id="email-error"' in response.text
    assert 'id="understood-error"' in response.text
    assert db.scalar(select(func.count()).select_from(RateLimitEvent)) == 0


def main_of(page: Response) -> str:
    text = page.text
    return html.unescape(text[text.index("<main") : text.index("</main>")])


def ambassadors(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Ambassador)) or 0


def test_the_login_page_and_the_readme_link_to_the_application(client: TestClient) -> None:
    login = client.get("/login")

    assert '<a href="/apply">Søg om at blive ambassadør</a>' in main_of(login)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`/apply`" in readme


def test_the_programme_must_be_one_the_institution_offers(client: TestClient, db: Session) -> None:
    data = application(db, "sara@elev.dk")
    institution = db.get(Organisation, int(data["institution_id"]))
    offered = db.get(Programme, int(data["programme_id"]))
    assert institution is not None
    assert offered is not None
    elsewhere = make_programme(db, name_da="Hf-eksamen")

    response = apply(client, {**data, "programme_id": str(elsewhere.id)})

    assert response.status_code == 422
    main = main_of(response)
    assert 'id="programme_id-error"' in main
    assert (
        f"{institution.name} udbyder ikke denne uddannelse. Stedet udbyder: {offered.name_da}."
    ) in main
    assert ambassadors(db) == 0


def programme_groups(main: str) -> dict[str, list[tuple[str, bool]]]:
    """The programme dropdown: per <optgroup> label, each option's text and whether chosen."""
    select = main[
        main.index('<select id="programme_id"') : main.index(
            "</select>", main.index('<select id="programme_id"')
        )
    ]
    return {
        label: [
            (text.strip(), " selected" in attributes)
            for attributes, text in re.findall(
                r"<option value=\"\d+\"([^>]*)>([^<]*)</option>", body
            )
        ]
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    }


def test_the_programmes_are_grouped_under_the_institutions_that_offer_them(
    client: TestClient, db: Session
) -> None:
    katedral = make_institution(db, name="Haderslev Katedralskole")
    eucsyd = make_institution(db, name="EUC Syd")
    make_institution(db, name="Tom Skole")  # offers nothing on record: no group
    stx = make_programme(db, name_da="Gymnasium (stx)")
    hf = make_programme(db, name_da="Hf-eksamen")
    eux = make_programme(db, name_da="Eux")
    for institution, programme in ((katedral, stx), (katedral, hf), (eucsyd, eux), (eucsyd, stx)):
        make_institution_programme(db, institution=institution, programme=programme)

    page = client.get("/apply")

    groups = programme_groups(main_of(page))
    assert groups["Haderslev Katedralskole"] == [("Gymnasium (stx)", False), ("Hf-eksamen", False)]
    assert sorted(groups["EUC Syd"]) == [("Eux", False), ("Gymnasium (stx)", False)]
    assert "Tom Skole" not in groups
    assert 'aria-describedby="programme_id-hint"' in page.text
    assert '<label for="programme_id">Uddannelse' in page.text

    # Sent back with an error elsewhere: the programme is chosen under the chosen institution only.
    data = {
        **application(db, "ikke-en-adresse"),
        "institution_id": str(eucsyd.id),
        "programme_id": str(stx.id),
    }
    again = apply(client, data)

    assert again.status_code == 422
    groups = programme_groups(main_of(again))
    assert ("Gymnasium (stx)", True) in groups["EUC Syd"]
    assert ("Gymnasium (stx)", False) in groups["Haderslev Katedralskole"]
    assert ambassadors(db) == 0


def test_choosing_the_institution_narrows_the_programmes_through_htmx(
    client: TestClient, db: Session
) -> None:
    katedral = make_institution(db, name="Haderslev Katedralskole")
    eucsyd = make_institution(db, name="EUC Syd")
    stx = make_programme(db, name_da="Gymnasium (stx)")
    eux = make_programme(db, name_da="Eux")
    for institution, programme in ((katedral, stx), (eucsyd, eux), (eucsyd, stx)):
        make_institution_programme(db, institution=institution, programme=programme)
    page = client.get("/apply")
    assert 'hx-get="/apply"' in main_of(page)
    assert 'hx-target="#programme-field"' in main_of(page)

    fragment = client.get(
        "/apply",
        params={"institution_id": str(eucsyd.id), "programme_id": str(stx.id)},
        headers={"HX-Request": "true"},
    )

    assert fragment.status_code == 200
    text = html.unescape(fragment.text)
    assert "<main" not in text  # the programme field alone, to swap in
    assert text.lstrip().startswith('<div class="field" id="programme-field">')
    assert "De uddannelser, EUC Syd udbyder." in text
    groups = programme_groups(text)
    assert list(groups) == ["EUC Syd"]
    assert sorted(groups["EUC Syd"]) == [("Eux", False), ("Gymnasium (stx)", True)]


@pytest.mark.parametrize("institution_id", ["", "abc", "9" * 30, "1\x00", "-1"])
def test_an_unknown_institution_offers_every_group_never_an_error(
    client: TestClient, db: Session, institution_id: str
) -> None:
    make_institution_programme(db)

    fragment = client.get(
        "/apply",
        params={"institution_id": institution_id, "programme_id": "9" * 30},
        headers={"HX-Request": "true"},
    )

    assert fragment.status_code == 200
    assert len(programme_groups(html.unescape(fragment.text))) == 1
    assert "Uddannelserne står under hver institution" in fragment.text


TOO_YOUNG_OR_OLD = "Ambassadørkorpset er for elever på en ungdomsuddannelse i alderen 15 til 30 år."


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        (
            f"{date.today().year - 14}-01-01",
            "for elever på en ungdomsuddannelse i alderen 15 til 30",
        ),
        (
            f"{date.today().year - 32}-01-01",
            "for elever på en ungdomsuddannelse i alderen 15 til 30",
        ),
        ("0001-01-01", "Tjek året i din fødselsdato."),
        (f"{date.today().year + 1}-01-01", "Fødselsdatoen ligger i fremtiden."),
        ("31.02.2008", "Skriv din fødselsdato som en dato"),
        ("snart\x00", "Teksten indeholder tegn, der ikke er tilladt."),
        ("", "Skriv din fødselsdato."),
    ],
)
def test_a_birth_date_outside_15_to_30_or_not_a_date_is_told_and_nothing_saved(
    client: TestClient, db: Session, birth_date: str, message: str
) -> None:
    data = application(db, "ung@elev.dk") | {"birth_date": birth_date}

    response = apply(client, data)

    assert response.status_code == 422
    main = main_of(response)
    assert 'id="birth_date-error"' in main
    assert message in main
    assert ambassadors(db) == 0
    assert db.scalar(select(User.id).where(User.email == "ung@elev.dk")) is None


def test_the_birth_year_is_kept_and_a_danish_date_is_understood(
    client: TestClient, db: Session
) -> None:
    year = date.today().year - 17
    response = apply(client, application(db, "sara@elev.dk") | {"birth_date": f"14.03.{year}"})

    assert response.status_code == 303, response.text
    ambassador = db.scalars(select(Ambassador)).one()
    assert ambassador.birth_year == year


def test_a_counsellor_invites_a_student(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.COUNSELLOR)
    data = application(db, "inviteret@elev.dk")
    del data["understood"]
    response = client.post(
        "/ambassadors/invite", data={**data, "locale": "da", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303, response.text
    user = db.scalars(select(User).where(User.email == "inviteret@elev.dk")).one()
    assert user.role is Role.AMBASSADOR
    assert user.organisation_id == int(data["institution_id"])
    ambassador = db.scalars(select(Ambassador).where(Ambassador.user_id == user.id)).one()
    assert ambassador.state is AmbassadorState.APPROVED
    mail = db.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == "inviteret@elev.dk")
    ).one()
    assert "/invitation/" in mail.body_text


def test_inviting_a_known_address_is_refused_next_to_the_field(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_user(db, email="findes@elev.dk")
    data = application(db, "findes@elev.dk")
    response = client.post(
        "/ambassadors/invite", data={**data, "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 422
    assert 'id="email-error"' in response.text


def test_admin_lists_by_state_and_marks_several_as_trained(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    cleared = [
        make_ambassador(db, state=AmbassadorState.CERTIFICATE_CLEARED, training_completed_at=None)
        for _ in range(2)
    ]
    page = client.get("/admin/ambassadors?state=certificate_cleared")
    assert page.status_code == 200
    assert f'name="ambassador_{cleared[0].id}"' in page.text
    data = {f"ambassador_{a.id}": "1" for a in cleared} | {
        "action": "complete_training",
        "on": "2026-11-20",
    }
    response = client.post(
        "/admin/ambassadors/bulk", data={**data, "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303, response.text
    for ambassador in cleared:
        db.refresh(ambassador)
        assert ambassador.state is AmbassadorState.TRAINED
        assert ambassador.training_completed_at is not None


def test_a_bulk_action_is_all_or_nothing(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    ready = make_ambassador(
        db, state=AmbassadorState.CERTIFICATE_CLEARED, training_completed_at=None
    )
    applied = make_ambassador(db, state=AmbassadorState.APPLIED)
    data = {
        f"ambassador_{ready.id}": "1",
        f"ambassador_{applied.id}": "1",
        "action": "complete_training",
        "on": "2026-11-20",
    }
    response = client.post(
        "/admin/ambassadors/bulk", data={**data, "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 422
    db.refresh(ready)
    assert ready.state is AmbassadorState.CERTIFICATE_CLEARED


def test_admin_clears_a_certificate_and_an_illegal_move_is_a_conflict(
    client: TestClient, db: Session
) -> None:
    admin = log_in_as(client, db, Role.ADMIN)
    ambassador = make_ambassador(db, state=AmbassadorState.CERTIFICATE_REQUESTED)
    url = f"/admin/ambassadors/{ambassador.id}"
    bad = client.post(
        f"{url}/clear-certificate", data={"assessed_on": "", "csrf_token": csrf_token(client, "/")}
    )
    assert bad.status_code == 422
    assert 'id="assessed_on-error"' in bad.text
    ok = client.post(
        f"{url}/clear-certificate",
        data={"assessed_on": "2026-11-01", "csrf_token": csrf_token(client, "/")},
    )
    assert ok.status_code == 303
    db.refresh(ambassador)
    assert ambassador.state is AmbassadorState.CERTIFICATE_CLEARED
    assert ambassador.child_certificate_assessor_id == admin.id
    again = client.post(f"{url}/activate", data={"csrf_token": csrf_token(client, "/")})
    assert again.status_code == 409
    assert client.get(url).status_code == 200
    assert client.get("/admin/ambassadors/recheck").status_code == 200
