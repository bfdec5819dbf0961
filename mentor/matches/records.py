"""Rows to the engine's records, built one way for a run (``features``) and for training.

Records name languages and interests in Danish; a run stores each name the explanations give
in English too (``MatchingInput.renaming``, ``mentor.matches.explanations.stored_reason``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from babel import Locale
from sqlalchemy import Select, String, cast, select
from sqlalchemy.engine import Connection, Row

import matching
from mentor.models import (
    Ambassador,
    AmbassadorInterest,
    Interest,
    Organisation,
    Programme,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
)


@cache
def language_names(language: str) -> dict[str, str]:
    """ISO 639-1 code -> the language's name in ``language`` ("ar" -> "arabisk"), from Babel;
    a plain dict, built once (Babel answers each lookup slowly)."""
    return {code: str(name) for code, name in Locale.parse(language).languages.items()}


def _named(codes: Iterable[str]) -> tuple[str, ...]:
    """Language codes as their Danish names: records carry what explanations say."""
    names = language_names("da")
    return tuple(names.get(c, c) for c in codes)


def _hour_slots(availability: Iterable[dict[str, Any]]) -> tuple[int, ...]:
    """Weekly slots as hour numbers (weekday * 24 + hour) that the engine can intersect."""
    hours: set[int] = set()
    for slot in availability:
        try:
            day = int(slot["weekday"])
            start = int(str(slot["start"])[:2])
            end_h, end_m = (int(x) for x in str(slot["end"]).split(":")[:2])
        except (KeyError, ValueError, TypeError):
            continue
        last = end_h if end_m else end_h - 1
        hours.update(day * 24 + h for h in range(start, last + 1))
    return tuple(sorted(hours))


# Building records: shared by a run (mentor.matches.runs) and training (mentor.matches.training).

Schools = dict[int, tuple[str, str]]

# A pupil's languages and availability as the database's JSON text (``PupilRecords.build``).
JSON_TEXT = (cast(Pupil.languages, String), cast(Pupil.availability, String))

AMBASSADOR_COLUMNS = (
    Ambassador.id,
    Programme.code,
    Programme.family,
    Ambassador.institution_id,
    Ambassador.former_school_id,
    Ambassador.languages,
    Ambassador.preferred_grades,
    Ambassador.availability,
    Ambassador.capacity,
)


def school_names(conn: Connection) -> Schools:
    """Organisation id -> (name, municipality)."""
    rows = conn.execute(
        select(Organisation.id, Organisation.name, Organisation.municipality_name)
    ).all()
    return {oid: (name, municipality or "") for oid, name, municipality in rows}


def _labelled_interests(
    conn: Connection, owner_interest: Select[tuple[int, int]]
) -> tuple[dict[int, list[str]], dict[str, str]]:
    """Each owner's interests as Danish labels, in the query's order, and each Danish label's
    English one.  The catalogue is read once (a hundred rows), so that the many
    ``(owner id, interest id)`` rows travel as two integers each."""
    rows = conn.execute(select(Interest.id, Interest.label_da, Interest.label_en)).all()
    labels = {iid: (da, en) for iid, da, en in rows}
    interests: dict[int, list[str]] = defaultdict(list)
    english: dict[str, str] = {}
    # .all(): iterating a result fetches row by row, slowly
    for owner, iid in conn.execute(owner_interest).tuples().all():
        da, en = labels[iid]
        interests[owner].append(da)
        english[da] = en
    return interests, english


def pupil_tags(
    conn: Connection, pupil_ids: Select[tuple[int]] | Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[str, str]]:
    """Interest labels (Danish) and wanted programme codes (by rank) of the given pupils, and
    each Danish interest label's English one."""
    interests, english = _labelled_interests(
        conn,
        select(PupilInterest.pupil_id, PupilInterest.interest_id)
        .where(PupilInterest.pupil_id.in_(pupil_ids))
        .order_by(PupilInterest.pupil_id, PupilInterest.interest_id),
    )
    codes = dict(conn.execute(select(Programme.id, Programme.code)).tuples().all())
    programmes: dict[int, list[str]] = defaultdict(list)
    for pid, programme_id in conn.execute(
        select(PupilProgrammeInterest.pupil_id, PupilProgrammeInterest.programme_id)
        .where(PupilProgrammeInterest.pupil_id.in_(pupil_ids))
        .order_by(PupilProgrammeInterest.pupil_id, PupilProgrammeInterest.rank)
    ).all():
        programmes[pid].append(codes[programme_id])
    return interests, programmes, english


def ambassador_interests(
    conn: Connection, ambassador_ids: Select[tuple[int]] | Sequence[int]
) -> tuple[dict[int, list[str]], dict[str, str]]:
    return _labelled_interests(
        conn,
        select(AmbassadorInterest.ambassador_id, AmbassadorInterest.interest_id)
        .where(AmbassadorInterest.ambassador_id.in_(ambassador_ids))
        .order_by(AmbassadorInterest.ambassador_id, AmbassadorInterest.interest_id),
    )


def ambassador_record(
    row: Row[Any], interests: list[str], schools: Schools, *, capacity: int
) -> matching.Ambassador:
    """An ambassador row (``AMBASSADOR_COLUMNS``) as the engine's record."""
    former = schools.get(row.former_school_id, ("", ""))[0] if row.former_school_id else ""
    return matching.Ambassador(
        id=str(row.id),
        programme=row.code,
        family=str(row.family),
        institution=str(row.institution_id),
        former_school=former,
        # Where an ambassador lives is not recorded: no "lives nearby" claim is made.
        municipality="",
        interests=tuple(interests),
        languages=_named(row.languages or ()),
        grades=tuple(int(g) for g in (row.preferred_grades or ())),
        availability=_hour_slots(row.availability or ()),
        capacity=capacity,
    )


class PupilRecords:
    """Builds pupils' engine records from rows whose JSON columns come as text (``JSON_TEXT``):
    many pupils share the same languages and availability, each distinct text parsed once."""

    def __init__(
        self,
        schools: Schools,
        interests: dict[int, list[str]],
        programmes: dict[int, list[str]],
    ) -> None:
        self.schools, self.interests, self.programmes = schools, interests, programmes
        self._slots: dict[str | None, tuple[int, ...]] = {}
        self._languages: dict[str | None, tuple[str, ...]] = {}

    def build(
        self,
        pid: int,
        school_id: int,
        grade: int,
        priority: bool,
        languages: str | None,
        availability: str | None,
    ) -> matching.Pupil:
        school_name, municipality = self.schools.get(school_id, ("", ""))
        if availability not in self._slots:
            self._slots[availability] = _hour_slots(json.loads(availability or "null") or ())
        if languages not in self._languages:
            self._languages[languages] = _named(json.loads(languages or "null") or ())
        return matching.Pupil(
            id=str(pid),
            school=school_name,
            municipality=municipality,
            grade=int(grade),
            interests=tuple(self.interests.get(pid, ())),
            programmes=tuple(self.programmes.get(pid, ())),
            languages=self._languages[languages],
            availability=self._slots[availability],
            priority=bool(priority),
        )
