"""The one adapter from rows to what the ``matching`` engine takes.

It loads, in a fixed number of Core queries whatever the number of pupils, the pupils eligible in a
scope and the ambassadors with free capacity, and turns them into ``matching.Pupil`` and
``matching.Ambassador`` records (ids are the database ids as strings), the forbidden pairs (earlier
declines and expiries, the counsellor's forbidden pairs) and the locked ones. It also computes a
fingerprint of everything a run depends on, so that a commit can tell whether its preview is stale.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FunctionElement,
    Select,
    SQLColumnExpression,
    String,
    and_,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

import matching
from mentor.matches.records import (
    AMBASSADOR_COLUMNS,
    JSON_TEXT,
    PupilRecords,
    ambassador_interests,
    ambassador_record,
    language_names,
    pupil_tags,
    school_names,
)
from mentor.matches.service import NEVER_AGAIN_STATES
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    AmbassadorInterest,
    Interest,
    Match,
    MatchState,
    PairRule,
    PairRuleKind,
    Programme,
    Pupil,
)
from mentor.policy import proposable_ambassadors
from mentor.pupils.eligibility import matchable_pupils


@dataclass(frozen=True)
class Scope:
    """Which pupils a run considers: schools (within the counsellor's), optionally some grades."""

    school_ids: tuple[int, ...]
    grades: tuple[int, ...] = ()
    include_unanswered: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "school_ids": sorted(self.school_ids),
            "grades": sorted(self.grades),
            "include_unanswered": self.include_unanswered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scope:
        return cls(
            school_ids=tuple(int(x) for x in data.get("school_ids", ())),
            grades=tuple(int(x) for x in data.get("grades", ())),
            include_unanswered=bool(data.get("include_unanswered", False)),
        )


@dataclass
class MatchingInput:
    """Everything a run hands the engine, with the database ids behind each record."""

    pupils: list[matching.Pupil]
    ambassadors: list[matching.Ambassador]
    forbidden: list[tuple[str, str]]
    locked: list[tuple[str, str]]
    # Locks that could not be kept (pupil not eligible, ambassador full or not proposable).
    dropped_locks: list[tuple[int, int]]
    # Database facts the preview shows beside the engine's result.
    pupil_school: dict[int, int]
    pupil_grade: dict[int, int]
    ambassador_load: dict[int, int]
    ambassador_capacity: dict[int, int]
    # Pupils in scope who are left out, and why (for the counsellor's "who is eligible").
    fingerprint: dict[str, str] = field(default_factory=dict)
    # Interest tags are Danish labels; this names them in English for English explanations.
    interest_en: dict[str, str] = field(default_factory=dict)

    def renaming(self, language: str) -> dict[str, str]:
        """Each tag of the records (Danish names of languages and interests) -> its name in
        ``language``: one to one, so an encoding relabelled with it scores the same."""
        if language == "da":
            return {}
        names = language_names(language)
        out = {language_names("da").get(c, c): name for c, name in names.items()}
        out.update(self.interest_en)
        return out


def _digest(rows: Iterable[Sequence[Any]]) -> str:
    # repr of plain tuples (ints, strings) is deterministic and cheap: a few rows of aggregates.
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:16]


class _Milliseconds(FunctionElement[int]):
    """A ``UTCDateTime`` as whole milliseconds since 1970, an integer the database can add up."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_milliseconds"


@compiles(_Milliseconds)
def _milliseconds_postgresql(element: _Milliseconds, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(floor(extract(epoch FROM {value}) * 1000) AS BIGINT)"


@compiles(_Milliseconds, "sqlite")
def _milliseconds_sqlite(element: _Milliseconds, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() reads the stored text in about half the time strftime('%s') and substr() take;
    # its double is exact to well under a millisecond, and the same text always rounds the same.
    value = compiler.process(element.clauses, **kw)
    return f"CAST(round((julianday({value}) - 2440587.5) * 86400000) AS INTEGER)"


def _set_of(*values: SQLColumnExpression[int]) -> list[ColumnElement[Any]]:
    """Aggregates that tell one set of rows from another: the count, and for each value its sum
    and the sum of its square (a swap of one row for another cannot keep both equal by accident).
    Squares in BIGINT: an INTEGER id past 46,340 would overflow on PostgreSQL."""
    out: list[ColumnElement[Any]] = [func.count()]
    for value in values:
        wide = cast(value, BigInteger)
        out += [func.sum(wide), func.sum(wide * wide)]
    return out


def _changes_of(updated_at: SQLColumnExpression[datetime]) -> list[ColumnElement[Any]]:
    """Aggregates that move when any row of a set is changed (every change sets ``updated_at`` to
    now): the latest change, and the sum of all of them, which moves even when a row's new time
    is earlier than another's (data dated ahead, a worker's clock behind)."""
    return [cast(func.max(updated_at), String), func.sum(_Milliseconds(updated_at))]


def eligible_pupils(
    scope: Scope, *, now: datetime, buffer_days: int, set_aside_run: int | None = None
) -> Select[tuple[int, int, int, bool]]:
    """Pupils a run may propose: matchable (active, consent, no open match), in scope, answered
    the questionnaire (unless the counsellor includes the others), and not within the buffer after
    a counsellor ended their last match."""
    recently_ended = (
        select(Match.id)
        .where(
            Match.pupil_id == Pupil.id,
            Match.state == MatchState.CLOSED,
            Match.closed_at > now - timedelta(days=buffer_days),
        )
        .exists()
    )
    query = (
        matchable_pupils(set_aside_run=set_aside_run)
        .with_only_columns(Pupil.id, Pupil.school_id, Pupil.grade, Pupil.priority)
        .where(Pupil.school_id.in_(scope.school_ids), ~recently_ended)
        .order_by(Pupil.id)
    )
    if scope.grades:
        query = query.where(Pupil.grade.in_(scope.grades))
    if not scope.include_unanswered:
        query = query.where(Pupil.questionnaire_completed_at.is_not(None))
    return query


def _open_load(set_aside_run: int | None = None) -> Select[tuple[int, int]]:
    aside = [Match.run_id.is_distinct_from(set_aside_run)] if set_aside_run is not None else []
    return (
        select(Match.ambassador_id, func.count(Match.id))
        .where(Match.state.in_(OPEN_MATCH_STATES), *aside)
        .group_by(Match.ambassador_id)
    )


def _eligible_ids(
    scope: Scope, *, now: datetime, buffer_days: int, set_aside_run: int | None = None
) -> Select[tuple[int]]:
    # The eligible ids as a subquery (never a literal list: it grows with the scope).
    return (
        eligible_pupils(scope, now=now, buffer_days=buffer_days, set_aside_run=set_aside_run)
        .with_only_columns(Pupil.id)
        .order_by(None)
    )


def fingerprint(db: Session, scope: Scope, *, now: datetime, buffer_days: int) -> dict[str, str]:
    """What a run depends on, part by part, as short digests of aggregates the database computes
    (a handful of statements returning a few rows, whatever the number of pupils and ambassadors).

    A commit, and the preview page, compare it with the one stored at preview time: any change in
    the eligible pupils (consent, enrolment, answers, priority: all touch ``updated_at``), the
    ambassadors who may be proposed (state, capacity, profile, interests, open load), the pair
    rules or the pairs that may not meet again makes the preview stale.
    """
    conn = db.connection()
    eligible_ids = _eligible_ids(scope, now=now, buffer_days=buffer_days)
    # On the eligible query itself, not ``id IN (it)``: SQLite plans that in twice the time.
    pupils = conn.execute(
        eligible_ids.with_only_columns(*_set_of(Pupil.id), *_changes_of(Pupil.updated_at))
    ).all()
    proposable = proposable_ambassadors()
    ambassadors = conn.execute(
        proposable.with_only_columns(
            *_set_of(Ambassador.id, Ambassador.capacity * Ambassador.id),
            *_changes_of(Ambassador.updated_at),
        )
    ).all()
    # Open load: which ambassadors the open matches take places from (over all ambassadors: a
    # full one may get room).
    load = conn.execute(
        select(*_set_of(Match.ambassador_id)).where(Match.state.in_(OPEN_MATCH_STATES))
    ).all()
    # Per interest (its labels are the engine's tags), which proposable ambassadors have it.
    interests = conn.execute(
        select(Interest.id, Interest.label_da, Interest.label_en)
        .add_columns(*_set_of(AmbassadorInterest.ambassador_id))
        .join(AmbassadorInterest, AmbassadorInterest.interest_id == Interest.id)
        .where(AmbassadorInterest.ambassador_id.in_(proposable.with_only_columns(Ambassador.id)))
        .group_by(Interest.id, Interest.label_da, Interest.label_en)
        .order_by(Interest.id)
    ).all()
    # Per kind, which pairs (not which rows: a rule removed and set again is the same rule).
    rules = conn.execute(
        select(
            PairRule.kind,
            *_set_of(PairRule.pupil_id, PairRule.ambassador_id),
            func.sum(cast(PairRule.pupil_id, BigInteger) * PairRule.ambassador_id),
        )
        .group_by(PairRule.kind)
        .order_by(PairRule.kind)
    ).all()
    # Per state, which matches are in it: a match changing state moves between the groups.
    matches = conn.execute(
        select(Match.state, *_set_of(Match.id))
        .where(
            or_(
                Match.state.in_(OPEN_MATCH_STATES),
                and_(Match.state.in_(NEVER_AGAIN_STATES), Match.pupil_id.in_(eligible_ids)),
            )
        )
        .group_by(Match.state)
        .order_by(Match.state)
    ).all()
    return {
        "pupils": f"{_digest(pupils)}:{pupils[0][0]}",
        "ambassadors": _digest([*ambassadors, *load, *interests]),
        "rules": _digest(rules),
        "matches": _digest(matches),
    }


def load_input(
    db: Session,
    scope: Scope,
    *,
    now: datetime,
    buffer_days: int,
    set_aside_run: int | None = None,
) -> MatchingInput:
    """Load a run's input in a fixed number of queries (Core rows on the session's connection:
    no ORM objects, no ORM row processing).

    ``set_aside_run``: as if that run's open proposals and matches had not been made: its pupils
    are eligible again and its ambassadors' places free (the weights' what-if on a committed run).
    """
    conn = db.connection()
    pupil_rows = conn.execute(
        eligible_pupils(
            scope, now=now, buffer_days=buffer_days, set_aside_run=set_aside_run
        ).add_columns(*JSON_TEXT)
    ).all()
    eligible_ids = _eligible_ids(
        scope, now=now, buffer_days=buffer_days, set_aside_run=set_aside_run
    )
    interests, programmes, interest_en = (
        pupil_tags(conn, eligible_ids) if pupil_rows else ({}, {}, {})
    )
    schools = school_names(conn)

    load = dict(conn.execute(_open_load(set_aside_run)).tuples().all())
    amb_rows = conn.execute(
        proposable_ambassadors()
        .with_only_columns(*AMBASSADOR_COLUMNS)
        .join(Programme, Programme.id == Ambassador.programme_id)
        .order_by(Ambassador.id)
    ).all()
    amb_interests, amb_english = ambassador_interests(
        conn, proposable_ambassadors().with_only_columns(Ambassador.id)
    )
    interest_en.update(amb_english)

    ambassadors: list[matching.Ambassador] = []
    capacity: dict[int, int] = {}
    for row in amb_rows:
        free = row.capacity - load.get(row.id, 0)
        capacity[row.id] = row.capacity
        if free > 0:
            ambassadors.append(
                ambassador_record(row, amb_interests.get(row.id, []), schools, capacity=free)
            )

    builder = PupilRecords(schools, interests, programmes)
    records = [builder.build(*row) for row in pupil_rows]

    free_ids = {int(a.id): a.capacity for a in ambassadors}
    forbidden_rows = conn.execute(
        select(Match.pupil_id, Match.ambassador_id)
        .where(Match.state.in_(NEVER_AGAIN_STATES), Match.pupil_id.in_(eligible_ids))
        .union(
            select(PairRule.pupil_id, PairRule.ambassador_id).where(
                PairRule.kind == PairRuleKind.FORBIDDEN, PairRule.pupil_id.in_(eligible_ids)
            )
        )
    ).all()
    forbidden = sorted({(p, a) for p, a in forbidden_rows if a in free_ids})
    forbidden_set = set(forbidden)
    locked: list[tuple[int, int]] = []
    dropped: list[tuple[int, int]] = []
    used: dict[int, int] = defaultdict(int)
    locked_pupils: set[int] = set()
    for p, a in conn.execute(
        select(PairRule.pupil_id, PairRule.ambassador_id)
        .where(PairRule.kind == PairRuleKind.LOCKED, PairRule.pupil_id.in_(eligible_ids))
        .order_by(PairRule.pupil_id, PairRule.ambassador_id)
    ).all():
        if (
            a not in free_ids
            or used[a] >= free_ids[a]
            or p in locked_pupils
            or (p, a) in forbidden_set
        ):
            dropped.append((p, a))
            continue
        used[a] += 1
        locked_pupils.add(p)
        locked.append((p, a))

    return MatchingInput(
        pupils=records,
        ambassadors=ambassadors,
        forbidden=[(str(p), str(a)) for p, a in forbidden],
        locked=[(str(p), str(a)) for p, a in locked],
        dropped_locks=dropped,
        pupil_school={r[0]: r[1] for r in pupil_rows},
        pupil_grade={r[0]: int(r[2]) for r in pupil_rows},
        ambassador_load=load,
        ambassador_capacity=capacity,
        fingerprint=fingerprint(db, scope, now=now, buffer_days=buffer_days),
        interest_en=interest_en,
    )
