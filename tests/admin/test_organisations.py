"""Creating, editing and deactivating organisations through the admin pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import InstitutionProgramme, Organisation, OrganisationKind, Role
from tests.conftest import QueryCounter
from tests.factories import make_institution, make_organisation, make_programme, make_school
from tests.web import log_in_as, post_form

FORM = {
    "kind": "youth_institution",
    "name": "Haderslev Katedralskole",
    "code": "HKS",
    "institution_number": "575004",
    "municipality_name": "Haderslev",
    "municipality_code": "510",
    "address": "Christian IV's Vej 1, 6100 Haderslev",
}


def _count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Organisation)) or 0


def _offered(db: Session, organisation_id: int) -> set[int]:
    query = select(InstitutionProgramme.programme_id).where(
        InstitutionProgramme.institution_id == organisation_id
    )
    return set(db.scalars(query))


def test_admin_creates_an_institution_with_its_programmes(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    stx, hf = make_programme(db, name_da="Almen studentereksamen"), make_programme(db)

    form_page = client.get("/admin/organisations/new")
    assert "Almen studentereksamen" in form_page.text
    response = post_form(client, "/admin/organisations/new", FORM | {f"programmes_{stx.id}": "1"})

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/organisations"
    created = db.scalars(select(Organisation).where(Organisation.code == "HKS")).one()
    assert created.kind is OrganisationKind.YOUTH_INSTITUTION
    assert (created.institution_number, created.municipality_code) == ("575004", "510")
    assert created.active
    assert _offered(db, created.id) == {stx.id}
    assert hf.id not in _offered(db, created.id)
    listing = client.get("/admin/organisations")
    assert "Haderslev Katedralskole blev oprettet." in listing.text
    assert "Ungdomsuddannelsesinstitution" in listing.text
    assert "575004" in listing.text


def test_admin_edits_an_organisation_and_its_programmes(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    institution = make_institution(db, name="EUC Syd")
    old, new = make_programme(db), make_programme(db)
    db.add(InstitutionProgramme(institution_id=institution.id, programme_id=old.id))
    db.flush()

    page = client.get(f"/admin/organisations/{institution.id}")
    assert f'name="programmes_{old.id}" type="checkbox" value="1" checked' in page.text
    response = post_form(
        client,
        f"/admin/organisations/{institution.id}",
        FORM | {"name": "EUC Syd, Haderslev", "code": "EUCS", f"programmes_{new.id}": "1"},
    )

    assert response.status_code == 303
    db.expire_all()
    assert db.get(Organisation, institution.id).name == "EUC Syd, Haderslev"  # type: ignore[union-attr]
    assert _offered(db, institution.id) == {new.id}


def test_a_duplicate_code_is_shown_next_to_the_field_and_nothing_is_written(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    make_school(db, code="HHS", institution_number="510001")
    before = _count(db)

    response = post_form(
        client,
        "/admin/organisations/new",
        FORM | {"code": "hhs", "institution_number": "510001", "name": "Min nye skole"},
    )

    assert response.status_code == 422
    assert "En anden organisation har allerede denne kode." in response.text
    assert "En anden organisation har allerede dette institutionsnummer." in response.text
    assert 'value="Min nye skole"' in response.text  # the user's values are kept
    assert _count(db) == before


def test_bad_values_are_refused_with_messages(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    programme = make_programme(db)
    before = _count(db)

    empty_name = post_form(client, "/admin/organisations/new", FORM | {"name": ""})
    wrong_kind = post_form(client, "/admin/organisations/new", FORM | {"kind": "castle"})
    school_with_programmes = post_form(
        client,
        "/admin/organisations/new",
        FORM | {"kind": "primary_school", f"programmes_{programme.id}": "1"},
    )

    assert empty_name.status_code == wrong_kind.status_code == 422
    assert school_with_programmes.status_code == 422
    assert "Feltet skal udfyldes." in empty_name.text
    assert "Vælg en af mulighederne." in wrong_kind.text
    assert "Kun ungdomsuddannelsesinstitutioner udbyder uddannelser." in school_with_programmes.text
    assert f'name="programmes_{programme.id}" type="checkbox" value="1" checked' in (
        school_with_programmes.text
    )
    assert _count(db) == before


def test_the_municipality_code_has_three_digits(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    response = post_form(client, "/admin/organisations/new", FORM | {"municipality_code": "51x"})

    assert response.status_code == 422
    assert "kommunekode på tre cifre" in response.text
    assert _count(db) == 0


def test_deactivate_and_activate(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    school = make_school(db, name="Starup Skole")

    deactivated = post_form(client, f"/admin/organisations/{school.id}/deactivate", {})
    db.refresh(school)
    assert deactivated.status_code == 303
    assert not school.active
    listing = client.get("/admin/organisations")
    assert "Starup Skole blev deaktiveret" in listing.text
    assert "Aktivér Starup Skole" in listing.text

    activated = post_form(client, f"/admin/organisations/{school.id}/activate", {})
    db.refresh(school)
    assert activated.status_code == 303
    assert school.active


def test_the_list_makes_the_same_number_of_queries_for_3_or_40_organisations(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)

    def queries() -> int:
        query_counter.reset()
        assert client.get("/admin/organisations").status_code == 200
        return query_counter.count

    for _ in range(3):
        make_organisation(db)
    few = queries()
    for _ in range(37):
        make_institution(db)
    many = queries()

    assert few == many
    print(f"/admin/organisations: {many} queries")


def test_the_edit_page_makes_the_same_number_of_queries_for_3_or_40_programmes(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)
    institution = make_institution(db)

    def queries() -> int:
        query_counter.reset()
        assert client.get(f"/admin/organisations/{institution.id}").status_code == 200
        return query_counter.count

    def offer(count: int) -> None:
        for _ in range(count):
            programme = make_programme(db)
            db.add(InstitutionProgramme(institution_id=institution.id, programme_id=programme.id))
        db.flush()

    offer(3)
    few = queries()
    offer(37)
    many = queries()

    assert few == many
    print(f"/admin/organisations/<id>: {many} queries")
