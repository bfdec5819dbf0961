"""The admin lists (users, organisations, ambassadors by vetting state): searchable with ``q``,
50 rows a page with ``page``, counted and cut in the database."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import AmbassadorState, Role
from tests.conftest import QueryCounter
from tests.factories import make_ambassador, make_school, make_user
from tests.web import log_in_as

Maker = Callable[[Session, str], None]


def _user(db: Session, name: str) -> None:
    make_user(db, role=Role.COORDINATOR, full_name=name, email=f"{name.lower()}@skole.dk")


def _organisation(db: Session, name: str) -> None:
    make_school(db, name=name)


def _ambassador(db: Session, name: str) -> None:
    user = make_user(db, role=Role.AMBASSADOR, full_name=name, email=f"{name.lower()}@gym.dk")
    make_ambassador(db, user=user, state=AmbassadorState.APPLIED)


LISTS = {
    "/admin/users?role=coordinator": _user,
    "/admin/organisations": _organisation,
    "/admin/ambassadors?state=applied": _ambassador,
}
_ROW_NAME = re.compile(r"Zeta-\d{3}")


def _names(page_text: str) -> list[str]:
    main = page_text.split("<main", 1)[1].split("</main>", 1)[0]
    rows = main.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return list(dict.fromkeys(_ROW_NAME.findall(rows)))  # a row may name its person twice


def _fill(db: Session, make: Maker, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        make(db, f"Zeta-{n:03d}")


@pytest.mark.parametrize("path", LISTS)
def test_a_list_shows_50_a_page_with_links_that_keep_the_search(
    client: TestClient, db: Session, path: str
) -> None:
    log_in_as(client, db, Role.ADMIN)
    _fill(db, LISTS[path], 57)
    joiner = "&" if "?" in path else "?"

    first = client.get(f"{path}{joiner}q=zeta")
    second = client.get(f"{path}{joiner}q=zeta&page=2")

    assert first.status_code == second.status_code == 200
    assert _names(first.text) == [f"Zeta-{n:03d}" for n in range(50)]
    assert _names(second.text) == [f"Zeta-{n:03d}" for n in range(50, 57)]
    assert "(57)" in first.text  # the caption counts them all, not the page
    link = re.search(r'<a href="([^"]+)" aria-label="Side 2"', first.text)
    assert link, "no link to page 2"
    assert "q=zeta" in link.group(1)
    assert "page=2" in link.group(1)
    assert path.split("?")[-1] in link.group(1) or "?" not in path  # the filter is kept


@pytest.mark.parametrize("path", LISTS)
def test_a_list_is_searched_by_name_whatever_the_case(
    client: TestClient, db: Session, path: str
) -> None:
    log_in_as(client, db, Role.ADMIN)
    _fill(db, LISTS[path], 12)
    joiner = "&" if "?" in path else "?"

    found = client.get(f"{path}{joiner}q=ZETA-01")

    assert _names(found.text) == [f"Zeta-{n:03d}" for n in (10, 11)]
    assert 'value="ZETA-01"' in found.text  # the search box shows what was searched


@pytest.mark.parametrize("path", LISTS)
def test_a_list_makes_the_same_number_of_queries_for_one_page_or_three(
    client: TestClient, db: Session, path: str, query_counter: QueryCounter
) -> None:
    log_in_as(client, db, Role.ADMIN)

    def queries() -> int:
        query_counter.reset()
        assert client.get(path).status_code == 200
        return query_counter.count

    _fill(db, LISTS[path], 5)
    few = queries()
    _fill(db, LISTS[path], 120, start=5)
    many = queries()

    assert few == many


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query", ["page=0", "page=-3", "page=x", f"page={2**70}", "q=%00%25_", "q=" + "ø" * 5000]
)
def test_a_hand_made_page_or_search_never_fails(
    client: TestClient, db: Session, path: str, query: str
) -> None:
    log_in_as(client, db, Role.ADMIN)
    joiner = "&" if "?" in path else "?"
    assert client.get(f"{path}{joiner}{query}").status_code == 200
