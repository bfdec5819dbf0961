"""The interests catalogue and its groups through the admin pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.models import Interest, InterestGroup, Role
from tests.conftest import QueryCounter
from tests.factories import make_interest, make_interest_group
from tests.web import log_in_as, post_form


def _count(db: Session, model: type[object]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_admin_creates_a_group_and_an_interest_in_it(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)

    group_response = post_form(
        client,
        "/admin/interests/groups",
        {"code": "kreativitet", "label_da": "Kreativitet", "label_en": "Creativity"},
    )
    group = db.scalars(select(InterestGroup).where(InterestGroup.code == "kreativitet")).one()
    interest_response = post_form(
        client,
        "/admin/interests/new",
        {
            "code": "musik",
            "label_da": "Musik og sang",
            "label_en": "Music and singing",
            "group_id": str(group.id),
            "active": "1",
            "sort_order": "5",
        },
    )

    assert group_response.status_code == interest_response.status_code == 303
    interest = db.scalars(select(Interest).where(Interest.code == "musik")).one()
    assert (interest.group_id, interest.active, interest.sort_order) == (group.id, True, 5)
    listing = client.get("/admin/interests")
    assert "musik blev oprettet." in listing.text
    assert "Musik og sang" in listing.text
    assert "Kreativitet" in listing.text
    client.cookies.set("mentor_lang", "en")
    assert "Music and singing" in client.get("/admin/interests").text


def test_admin_makes_an_interest_inactive(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.ADMIN)
    interest = make_interest(db, code="computere", label_da="Computere")

    page = client.get(f"/admin/interests/{interest.id}")
    assert 'name="active" type="checkbox" value="1" checked' in page.text
    response = post_form(
        client,
        f"/admin/interests/{interest.id}",
        {
            "code": "computere",
            "label_da": "Computere og spil",
            "label_en": "Computers and games",
            "group_id": str(interest.group_id),
        },  # the unticked checkbox sends nothing
    )

    assert response.status_code == 303
    db.refresh(interest)
    assert (interest.label_da, interest.active) == ("Computere og spil", False)
    assert "Inaktiv" in client.get("/admin/interests").text


def test_duplicates_and_bad_values_are_refused_next_to_the_field(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    existing = make_interest(db, code="sport")
    groups_before, interests_before = _count(db, InterestGroup), _count(db, Interest)
    group_id = str(existing.group_id)

    duplicate = post_form(
        client,
        "/admin/interests/new",
        {"code": "Sport", "label_da": "Sport", "label_en": "Sport", "group_id": group_id},
    )
    no_group = post_form(
        client,
        "/admin/interests/new",
        {"code": "dans", "label_da": "Dans", "label_en": "Dance", "group_id": "999999"},
    )
    bad_order = post_form(
        client,
        "/admin/interests/new",
        {
            "code": "dans",
            "label_da": "Dans",
            "label_en": "Dance",
            "group_id": group_id,
            "sort_order": "først",
        },
    )
    duplicate_group = post_form(
        client,
        "/admin/interests/groups",
        {"code": existing_group_code(db, existing), "label_da": "X", "label_en": "X"},
    )

    for response in (duplicate, no_group, bad_order, duplicate_group):
        assert response.status_code == 422
    assert "Koden er allerede i brug." in duplicate.text
    assert "Vælg en gruppe fra listen." in no_group.text
    assert "Skriv et helt tal." in bad_order.text
    assert 'value="først"' in bad_order.text
    assert "Koden er allerede i brug." in duplicate_group.text
    assert "Alle interesser (1)" in duplicate_group.text  # the whole page again
    assert (_count(db, InterestGroup), _count(db, Interest)) == (groups_before, interests_before)


def existing_group_code(db: Session, interest: Interest) -> str:
    group = db.get(InterestGroup, interest.group_id)
    assert group is not None
    return group.code


def test_the_list_makes_the_same_number_of_queries_for_3_or_40_interests(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)

    def queries() -> int:
        query_counter.reset()
        assert client.get("/admin/interests").status_code == 200
        return query_counter.count

    for _ in range(3):
        make_interest(db)  # each in a group of its own
    few = queries()
    shared = make_interest_group(db)
    for _ in range(37):
        make_interest(db, group=shared)
    many = queries()

    assert few == many
    print(f"/admin/interests: {many} queries")
