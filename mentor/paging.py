"""One page of a long list: counted and cut in the database, with a search text and page links.

The admin lists (users, organisations, ambassadors by vetting state) share it: ``q`` and
``page`` come from the query string and stay in every link, so a page can be bookmarked and the
language switch returns to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

T = TypeVar("T")

PAGE_SIZE = 50
SEARCH_MAX_LENGTH = 100
_PAGE_MAX = 1_000_000


@dataclass(frozen=True)
class Paged(Generic[T]):
    rows: Sequence[T]
    total: int
    page: int
    pages: int
    size: int = PAGE_SIZE

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.size + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.size + len(self.rows)


def search_text(params: Mapping[str, Any]) -> str:
    """The ``q`` of a query string, spaces folded and cut to a sane length."""
    return " ".join(str(params.get("q", "")).replace("\x00", "").split())[:SEARCH_MAX_LENGTH]


def page_number(params: Mapping[str, Any]) -> int:
    """The ``page`` of a query string: a page no link offered (0, -1, "x", 10**30) is page 1."""
    raw = str(params.get("page", ""))
    return int(raw) if raw.isdigit() and 0 < int(raw) <= _PAGE_MAX else 1


def matches_text(
    text: str, *columns: ColumnElement[Any] | QueryableAttribute[Any]
) -> ColumnElement[bool]:
    """Any of the columns contains the text, whatever its case (``%`` and ``_`` taken literally)."""
    needle = text.lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


def paginate(db: Session, query: Select[tuple[T]], *, page: int, size: int = PAGE_SIZE) -> Paged[T]:
    """Two queries whatever the list's length: the count, then one page of rows."""
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    rows = db.scalars(query.limit(size).offset((page - 1) * size)).all()
    return Paged(rows=rows, total=total, page=page, pages=pages, size=size)


def page_links(path: str, params: Mapping[str, str], paged: Paged[Any]) -> list[tuple[int, str]]:
    """The first, the last and the pages near this one, each a URL that keeps the other params."""
    near = range(max(1, paged.page - 2), min(paged.pages, paged.page + 2) + 1)
    kept = {name: value for name, value in params.items() if value and name != "page"}

    def url(number: int) -> str:
        query = urlencode({**kept, **({"page": str(number)} if number > 1 else {})})
        return f"{path}?{query}" if query else path

    return [(number, url(number)) for number in sorted({1, paged.pages, *near})]
