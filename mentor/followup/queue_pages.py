"""A queue's list, and the search, school, sort and page that every follow-up list keeps in its
URL: counted, filtered, sorted and cut in the database (two queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.data_generation import remembered
from mentor.followup.queues import (
    Link,
    QueueKey,
    Thresholds,
    caseload,
    queue_select,
    thresholds,
)
from mentor.i18n import LazyText, lazy_gettext
from mentor.models import User


class Sort(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    NAME = "name"


SORT_OPTIONS: tuple[tuple[str, LazyText], ...] = (
    (Sort.OLDEST.value, lazy_gettext("Oldest first")),
    (Sort.NEWEST.value, lazy_gettext("Newest first")),
    (Sort.NAME.value, lazy_gettext("By name")),
)
PAGE_SIZE = 50
SEARCH_MAX = 100


@dataclass(frozen=True)
class QueueFilters:
    """A queue list's search, school, sort and page: all kept in the URL."""

    q: str = ""
    school_id: int | None = None
    sort: Sort = Sort.OLDEST
    page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        values = {
            "q": self.q,
            "school": str(self.school_id) if self.school_id else "",
            "sort": self.sort.value if self.sort is not Sort.OLDEST else "",
            "page": str(self.page) if self.page > 1 else "",
        }
        values |= {key: str(value) for key, value in changes.items()}
        return {key: value for key, value in values.items() if value and value != "1"}


def parse_filters(params: Any) -> QueueFilters:
    """Whatever the URL says, a usable filter: unknown values fall back to the defaults."""
    q = str(params.get("q", "")).replace("\x00", "").strip()[:SEARCH_MAX]
    school = str(params.get("school", ""))
    page = str(params.get("page", ""))
    try:
        sort = Sort(str(params.get("sort", "")) or Sort.OLDEST)
    except ValueError:
        sort = Sort.OLDEST
    return QueueFilters(
        q=q,
        school_id=int(school) if school.isdigit() and len(school) <= 9 else None,
        sort=sort,
        page=int(page) if page.isdigit() and 0 < len(page) <= 6 else 1,
    )


@dataclass(frozen=True)
class QueueRow:
    ident: int
    name: str
    school: str
    since: datetime | None
    detail: str | None
    link: Link
    link_id: int
    pupil_id: int | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def queue_page(
    db: Session,
    *,
    user: User,
    key: QueueKey,
    filters: QueueFilters,
    now: datetime,
    settings: Settings,
) -> QueuePage:
    """One page of a queue: counted, filtered, sorted and cut in the database (two queries),
    reused while the data is unchanged (``remembered``)."""
    chosen = thresholds(db)
    return remembered(
        db,
        ("queue page", user.id, key, filters, chosen),
        now=now,
        count=lambda: _counted_page(
            db, user=user, key=key, filters=filters, chosen=chosen, now=now, settings=settings
        ),
    )


def _counted_page(
    db: Session,
    *,
    user: User,
    key: QueueKey,
    filters: QueueFilters,
    chosen: Thresholds,
    now: datetime,
    settings: Settings,
) -> QueuePage:
    rows = queue_select(
        key, scope=caseload(user), chosen=chosen, now=now, settings=settings
    ).subquery()
    query = select(rows)
    if filters.q:
        query = query.where(rows.c.name.icontains(filters.q, autoescape=True))
    if filters.school_id is not None:
        query = query.where(rows.c.school_id == filters.school_id)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    order: tuple[Any, ...] = {
        Sort.OLDEST: (rows.c.since.asc(), rows.c.ident),
        Sort.NEWEST: (rows.c.since.desc(), rows.c.ident),
        Sort.NAME: (rows.c.name, rows.c.ident),
    }[filters.sort]
    found = db.execute(query.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return QueuePage(
        rows=[
            QueueRow(
                ident=row.ident,
                name=row.name,
                school=row.school,
                since=row.since,
                detail=row.detail,
                link=Link(row.link),
                link_id=row.link_id,
                pupil_id=row.pupil_id,
            )
            for row in found
        ],
        total=total,
        page=page,
        pages=pages,
    )
