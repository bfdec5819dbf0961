"""The pupil list: scope, Danish order, search, filters, pages, htmx, a fixed number of queries."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import ConsentState, MatchState, Organisation, PupilStatus, Role
from tests.conftest import QueryCounter
from tests.factories import make_counsellor_school, make_match, make_pupil, make_school
from tests.web import log_in_as

NAME_CELL = re.compile(r'<th scope="row"><a href="/pupils/\d+">([^<]+)</a>')


def names(html: str) -> list[str]:
    return NAME_CELL.findall(html)


def coordinator_of(client: TestClient, db: Session, school: Organisation) -> None:
    log_in_as(client, db, Role.COORDINATOR, organisation=school)


def test_a_coordinator_sees_only_their_own_schools_pupils(client: TestClient, db: Session) -> None:
    mine, other = make_school(db), make_school(db)
    make_pupil(db, school=mine, first_name="Freja", last_name="Holm")
    make_pupil(db, school=other, first_name="Fremmed", last_name="Elev")
    coordinator_of(client, db, mine)

    page = client.get("/pupils")

    assert page.status_code == 200
    assert names(page.text) == ["Freja Holm"]
    assert "Fremmed" not in page.text
    # A school filter pointing at another school (a hand-made URL) shows nothing from there.
    assert "Fremmed" not in client.get(f"/pupils?school_id={other.id}").text


def test_a_counsellor_sees_the_pupils_of_their_schools_and_can_filter_by_school(
    client: TestClient, db: Session
) -> None:
    north, south, elsewhere = make_school(db), make_school(db), make_school(db)
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=north)
    make_counsellor_school(db, counsellor=counsellor, school=south)
    make_pupil(db, school=north, first_name="Nora", last_name="Nord")
    make_pupil(db, school=south, first_name="Svend", last_name="Syd")
    make_pupil(db, school=elsewhere, first_name="Ukendt", last_name="Elev")

    everyone = client.get("/pupils")
    only_south = client.get(f"/pupils?school_id={south.id}")

    assert names(everyone.text) == ["Nora Nord", "Svend Syd"]
    assert north.name in everyone.text  # the school column, for counsellors with several
    assert names(only_south.text) == ["Svend Syd"]


def test_names_are_in_danish_order_and_search_folds_case_and_letters(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    for first, last in [
        ("Åse", "Lund"),
        ("Aage", "Berg"),
        ("Ølstykke", "Mia"),
        ("Zenia", "Holm"),
        ("Æbelø", "Ida"),
        ("Anna", "Søndergaard"),
        ("Bo", "Østergaard"),
    ]:
        make_pupil(db, school=school, first_name=first, last_name=last)
    coordinator_of(client, db, school)

    listed = names(client.get("/pupils").text)

    # æ, ø, å after z; "Aa" is "Å" (as in Danish collation in Excel and ICU).
    assert listed == [
        "Anna Søndergaard",
        "Bo Østergaard",
        "Zenia Holm",
        "Æbelø Ida",
        "Ølstykke Mia",
        "Aage Berg",
        "Åse Lund",
    ]
    assert names(client.get("/pupils?q=ØSTER").text) == ["Bo Østergaard"]
    assert names(client.get("/pupils?q=søn").text) == ["Anna Søndergaard"]
    assert names(client.get("/pupils?q=aase").text) == ["Åse Lund"]  # typed without å
    assert names(client.get("/pupils?q=åge").text) == ["Aage Berg"]
    assert names(client.get("/pupils?q=100%25").text) == []  # LIKE wildcards are escaped


def test_filters_grade_class_consent_questionnaire_and_match(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    a = make_pupil(db, school=school, first_name="Alma", last_name="A", grade=8, class_name="8.a")
    b = make_pupil(
        db,
        school=school,
        first_name="Bent",
        last_name="B",
        grade=9,
        class_name="9.b",
        consent_state=ConsentState.MISSING,
        consent_given_by=None,
        consent_method=None,
        consent_at=None,
    )
    c = make_pupil(
        db,
        school=school,
        first_name="Carl",
        last_name="C",
        grade=9,
        class_name="9.a",
        questionnaire_completed_at=utcnow(),
    )
    make_pupil(db, school=school, first_name="Dora", last_name="D", status=PupilStatus.ARCHIVED)
    make_match(db, pupil=a, state=MatchState.PROPOSED)
    make_match(db, pupil=c, state=MatchState.ACCEPTED)
    make_match(db, pupil=b, state=MatchState.DECLINED)  # not open: b has no ambassador
    coordinator_of(client, db, school)

    def listed(query: str) -> list[str]:
        return names(client.get(f"/pupils?{query}").text)

    assert listed("") == ["Alma A", "Bent B", "Carl C"]
    assert listed("grade=9") == ["Bent B", "Carl C"]
    assert listed("class_name=9.a") == ["Carl C"]
    assert listed("consent=missing") == ["Bent B"]
    assert listed("questionnaire=answered") == ["Carl C"]
    assert listed("questionnaire=unanswered") == ["Alma A", "Bent B"]
    assert listed("match=none") == ["Bent B"]
    assert listed("match=proposed") == ["Alma A"]
    assert listed("match=accepted") == ["Carl C"]
    assert listed("grade=9&match=none") == ["Bent B"]
    assert listed("archived=1") == ["Dora D"]
    # Values no page offers are dropped, not answered with an error.
    assert listed("grade=12&consent=maybe&match=x&page=abc") == ["Alma A", "Bent B", "Carl C"]
    page = client.get("/pupils?grade=9")
    assert '<option value="9" selected>' in page.text  # the form keeps the filter


def test_pages_of_fifty_with_links_that_keep_the_filters(client: TestClient, db: Session) -> None:
    school = make_school(db)
    for n in range(120):
        make_pupil(db, school=school, first_name=f"Elev{n:03d}", last_name="Hansen", grade=8)
    make_pupil(db, school=school, first_name="Niende", last_name="Klasse", grade=9)
    coordinator_of(client, db, school)

    first = client.get("/pupils?grade=8")
    third = client.get("/pupils?grade=8&page=3")
    beyond = client.get("/pupils?grade=8&page=99")

    assert len(names(first.text)) == 50
    assert names(first.text)[0] == "Elev000 Hansen"
    assert "Viser 1–50 af 120 elever." in first.text
    assert 'href="/pupils?grade=8&amp;page=2"' in first.text
    assert names(third.text) == [f"Elev{n:03d} Hansen" for n in range(100, 120)]
    assert names(beyond.text) == names(third.text)  # past the end: the last page


def test_htmx_gets_only_the_results_and_the_answer_varies_on_it(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    make_pupil(db, school=school, first_name="Signe", last_name="Sø")
    coordinator_of(client, db, school)

    fragment = client.get("/pupils?q=sig", headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    assert fragment.headers["Vary"] == "HX-Request"
    assert fragment.text.lstrip().startswith('<div id="pupil-results">')
    assert "<html" not in fragment.text
    assert names(fragment.text) == ["Signe Sø"]
    # Without JavaScript the same form is a plain GET that answers the whole page.
    page = client.get("/pupils?q=sig")
    assert "<html" in page.text
    assert 'hx-get="/pupils"' in page.text
    assert 'method="get" action="/pupils"' in page.text


def _fill(db: Session, school: Organisation, count: int) -> None:
    for n in range(count):
        pupil = make_pupil(db, school=school, grade=7 + n % 4)
        if n % 3 == 0:
            make_match(db, pupil=pupil, state=MatchState.PROPOSED)


def test_the_list_costs_the_same_queries_for_5_and_60_pupils(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    make_counsellor_school(db, counsellor=counsellor, school=make_school(db))
    _fill(db, school, 5)
    query_counter.reset()
    assert len(names(client.get("/pupils").text)) == 5
    few = query_counter.count

    _fill(db, school, 55)
    query_counter.reset()
    assert len(names(client.get("/pupils").text)) == 50
    many = query_counter.count

    assert few == many
    assert many <= 8, query_counter.statements


def test_a_search_costs_the_same_queries_for_5_and_60_matches(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    make_counsellor_school(db, counsellor=counsellor, school=make_school(db))

    def add_sørens(count: int) -> None:
        for n in range(count):
            pupil = make_pupil(db, school=school, first_name="Søren", last_name=f"Holm{n:03d}")
            if n % 3 == 0:
                make_match(db, pupil=pupil, state=MatchState.ACCEPTED)

    make_pupil(db, school=school, first_name="Ida", last_name="Bæk")
    add_sørens(5)
    query_counter.reset()
    assert len(names(client.get("/pupils?q=s%C3%B8r").text)) == 5
    few = query_counter.count

    add_sørens(55)
    query_counter.reset()
    page = client.get("/pupils?q=s%C3%B8r&page=2")
    many = query_counter.count

    assert len(names(page.text)) == 10
    assert "Viser 51–60 af 60 elever." in page.text
    assert few == many, query_counter.statements
    assert many <= 8, query_counter.statements


def test_a_counsellors_pages_run_through_all_their_schools_in_danish_order(
    client: TestClient, db: Session
) -> None:
    north, south = make_school(db), make_school(db)
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=north)
    make_counsellor_school(db, counsellor=counsellor, school=south)
    # Two schools' pupils interleaved in the alphabet; "Åse" comes after "Zenia".
    for n in range(58):
        make_pupil(db, school=north if n % 2 else south, first_name=f"Elev{n:02d}", last_name="Bo")
    make_pupil(db, school=north, first_name="Åse", last_name="Lund")
    make_pupil(db, school=south, first_name="Zenia", last_name="Holm")
    archived = PupilStatus.ARCHIVED
    make_pupil(db, school=north, first_name="Arkiveret", last_name="Elev", status=archived)
    make_pupil(db, school=make_school(db), first_name="Fremmed", last_name="Elev")

    first = client.get("/pupils")
    second = client.get("/pupils?page=2")

    assert "Viser 1–50 af 60 elever." in first.text
    assert names(first.text) == [f"Elev{n:02d} Bo" for n in range(50)]
    # The link to the next (and last) page works without JavaScript.
    assert 'href="/pupils?page=2"' in first.text
    assert "Viser 51–60 af 60 elever." in second.text
    assert names(second.text) == [
        *(f"Elev{n:02d} Bo" for n in range(50, 58)),
        "Zenia Holm",
        "Åse Lund",
    ]
    assert north.name in second.text
    assert south.name in second.text


def test_admins_and_ambassadors_never_reach_the_list(client: TestClient, db: Session) -> None:
    for role in (Role.ADMIN, Role.AMBASSADOR):
        log_in_as(client, db, role)
        response = client.get("/pupils")
        assert response.status_code == 403, role
        assert "Du har ikke adgang til denne side." in response.text
        client.cookies.clear()
