"""The pupils of a run as the preview page lists them: filtered, searched and paged in the
database, each with its next-best ambassadors and, where one of them scores higher than the
chosen ambassador, why the run chose otherwise.

A fixed number of queries a page, whatever the size of the run (a test counts them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased

from mentor.i18n import lazy_gettext
from mentor.matches.seats import SeatFacts, seat_facts
from mentor.models import (
    Ambassador,
    MatchRun,
    MatchRunPupil,
    Organisation,
    Programme,
    Pupil,
    User,
)
from mentor.models.pupil import danish_sort_key
from mentor.paging import matches_text

# What a counsellor reads in one go; the filters narrow the rest.
PAGE_SIZE = 50

#: Score bands of the filter: (lowest score in the band, first score above it).
SCORE_BANDS: dict[str, tuple[float | None, float | None]] = {
    "high": (0.7, None),
    "middle": (0.5, 0.7),
    "low": (None, 0.5),
}
STATUSES = ("proposed", "unmatched", "locked")
_ID_DIGITS = 9
_SEARCH_MAX_LENGTH = 100
_PAGE_MAX = 1_000_000


def _id(value: str | None) -> int | None:
    raw = value or ""
    return int(raw) if raw.isdigit() and len(raw) <= _ID_DIGITS else None


@dataclass(frozen=True)
class RunFilters:
    """What the counsellor narrowed the run's pupils to; lives in the query string."""

    school: int | None = None
    grade: int | None = None
    ambassador: int | None = None
    band: str = ""
    status: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> RunFilters:
        band, status = params.get("band", ""), params.get("status", "")
        return cls(
            school=_id(params.get("school")),
            grade=_id(params.get("grade")),
            ambassador=_id(params.get("ambassador")),
            band=band if band in SCORE_BANDS else "",
            status=status if status in STATUSES else "",
            q=" ".join(params.get("q", "").replace("\x00", "").split())[:_SEARCH_MAX_LENGTH],
            page=min(_id(params.get("page")) or 1, _PAGE_MAX),
        )

    def fields(self, *, with_page: bool = True) -> dict[str, str]:
        """The filters as query-string fields, the empty ones left out."""
        out = {
            "school": str(self.school or ""),
            "grade": str(self.grade or ""),
            "ambassador": str(self.ambassador or ""),
            "band": self.band,
            "status": self.status,
            "q": self.q,
            "page": str(self.page) if with_page and self.page > 1 else "",
        }
        return {name: value for name, value in out.items() if value}

    def query(self, **changes: Any) -> str:
        """``?...`` for these filters with ``changes`` (e.g. another page); "" for none."""
        encoded = urlencode(replace(self, **changes).fields())
        return f"?{encoded}" if encoded else ""

    @property
    def narrowed(self) -> bool:
        return bool(self.fields(with_page=False))


@dataclass(frozen=True)
class Alternative:
    ambassador_id: int
    name: str
    programme: str
    score: float
    # Why the run chose a lower-scoring ambassador over this one (None: it scores lower).
    why_not: str | None = None


@dataclass(frozen=True)
class PreviewRow:
    pupil_id: int
    pupil_name: str
    school: str
    grade: int
    priority: bool
    ambassador_id: int | None
    ambassador_name: str | None
    programme: str | None
    score: float | None
    explanation: dict[str, Any] | None
    alternatives: list[Alternative]
    locked: bool
    unmatched_reason: str | None


@dataclass(frozen=True)
class RowsPage:
    rows: list[PreviewRow]
    total: int
    page: int
    pages: int


_amb_user = aliased(User)
_amb_programme = aliased(Programme)


def _filtered(run: MatchRun, filters: RunFilters, *columns: Any) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = [MatchRunPupil.run_id == run.id]
    if filters.school is not None:
        conditions.append(Pupil.school_id == filters.school)
    if filters.grade is not None:
        conditions.append(Pupil.grade == filters.grade)
    if filters.ambassador is not None:
        conditions.append(MatchRunPupil.ambassador_id == filters.ambassador)
    if filters.status == "proposed":
        conditions.append(MatchRunPupil.ambassador_id.is_not(None))
    elif filters.status == "unmatched":
        conditions.append(MatchRunPupil.ambassador_id.is_(None))
    elif filters.status == "locked":
        conditions.append(MatchRunPupil.locked.is_(True))
    if filters.band:
        low, high = SCORE_BANDS[filters.band]
        conditions.append(MatchRunPupil.ambassador_id.is_not(None))
        if low is not None:
            conditions.append(MatchRunPupil.score >= low)
        if high is not None:
            conditions.append(MatchRunPupil.score < high)
    if filters.q:
        by_pupil = Pupil.sort_name.contains(danish_sort_key(filters.q), autoescape=True)
        by_ambassador = matches_text(filters.q, _amb_user.full_name)
        conditions.append(by_pupil | by_ambassador)
    return (
        select(*columns)
        .select_from(MatchRunPupil)
        .join(Pupil, Pupil.id == MatchRunPupil.pupil_id)
        .join(Organisation, Organisation.id == Pupil.school_id)
        .outerjoin(Ambassador, Ambassador.id == MatchRunPupil.ambassador_id)
        .outerjoin(_amb_user, _amb_user.id == Ambassador.user_id)
        .outerjoin(_amb_programme, _amb_programme.id == Ambassador.programme_id)
        .where(*conditions)
    )


_COLUMNS = (
    MatchRunPupil,
    Pupil.first_name,
    Pupil.last_name,
    Pupil.grade,
    Pupil.priority,
    Organisation.name,
    _amb_user.full_name,
    _amb_programme.code,
)


def rows(db: Session, run: MatchRun, filters: RunFilters) -> RowsPage:
    """One page of the run's pupils that pass ``filters``: four queries, whatever the run's size."""
    total = db.scalar(_filtered(run, filters, func.count(MatchRunPupil.id))) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    result = db.execute(
        _filtered(run, filters, *_COLUMNS)
        .order_by(Organisation.name, Pupil.sort_name, Pupil.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return RowsPage(_preview_rows(db, run, result), total, page, pages)


def one_row(db: Session, run: MatchRun, pupil_id: int) -> PreviewRow | None:
    """The row of one pupil of the run (what an htmx action swaps in)."""
    result = db.execute(
        _filtered(run, RunFilters(), *_COLUMNS).where(MatchRunPupil.pupil_id == pupil_id)
    ).all()
    found = _preview_rows(db, run, result)
    return found[0] if found else None


def _names(db: Session, ambassador_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = set(ambassador_ids)
    # Asked even for no ids: the same queries for every page.
    result = db.execute(
        select(Ambassador.id, User.full_name, Programme.code)
        .join(User, User.id == Ambassador.user_id)
        .join(Programme, Programme.id == Ambassador.programme_id)
        .where(Ambassador.id.in_(ids))
    )
    return {aid: (name, code) for aid, name, code in result}


def _preview_rows(db: Session, run: MatchRun, result: Iterable[Any]) -> list[PreviewRow]:
    result = list(result)
    names = _names(db, (int(a["ambassador_id"]) for row, *_ in result for a in row.alternatives))
    # Alternatives that score higher than the chosen ambassador: their seats, to say why.
    better = {
        int(a["ambassador_id"])
        for row, *_ in result
        if row.ambassador_id is not None and row.score is not None
        for a in row.alternatives or []
        if float(a["score"]) > row.score
    }
    seats = seat_facts(db, run, better)
    out = []
    for row, first, last, grade, priority, school, amb_name, code in result:
        alternatives = []
        for a in row.alternatives or []:
            aid, score = int(a["ambassador_id"]), float(a["score"])
            name, programme = names.get(aid, ("?", ""))
            why_not = None
            if row.ambassador_id is not None and row.score is not None and score > row.score:
                why_not = why_not_chosen(name, seats.get(aid), locked=row.locked)
            alternatives.append(Alternative(aid, name, programme, score, why_not))
        out.append(
            PreviewRow(
                pupil_id=row.pupil_id,
                pupil_name=f"{first} {last}",
                school=school,
                grade=grade,
                priority=priority,
                ambassador_id=row.ambassador_id,
                ambassador_name=amb_name,
                programme=code,
                score=row.score,
                explanation=row.explanation,
                alternatives=alternatives,
                locked=row.locked,
                unmatched_reason=row.unmatched_reason,
            )
        )
    return out


def why_not_chosen(name: str, seats: SeatFacts | None, *, locked: bool) -> str:
    """Why a pupil got an ambassador who scores lower than ``name``, in a counsellor's words,
    from what the run holds: the pupil's lock, or who took ``name``'s places in this run."""
    if locked:
        return str(lazy_gettext("You locked this pupil with the ambassador shown."))
    if seats is None or not seats.full:
        return str(
            lazy_gettext("%(name)s has a free place in this run: you can swap them in.", name=name)
        )
    if seats.locked:
        return str(
            lazy_gettext(
                "%(name)s is full in this run: a place is held by a pair you locked.", name=name
            )
        )
    if seats.without_other_option:
        return str(
            lazy_gettext(
                "%(name)s is full in this run: a place went to a pupil with no other ambassador "
                "who fits.",
                name=name,
            )
        )
    if seats.priority:
        return str(
            lazy_gettext(
                "%(name)s is full in this run: a place went to a priority pupil.", name=name
            )
        )
    return str(
        lazy_gettext(
            "%(name)s is full in this run: giving the places to other pupils matched more pupils "
            "or fitted them better overall.",
            name=name,
        )
    )
