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

from sqlalchemy import Select, String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

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
    # repr of plain tuples (ints, strings, datetimes, enums) is deterministic and cheap.
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:16]


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


def _ambassador_interest_rows() -> Select[tuple[int, str, str]]:
    proposable_ids = proposable_ambassadors().with_only_columns(Ambassador.id)
    return (
        select(AmbassadorInterest.ambassador_id, Interest.label_da, Interest.label_en)
        .join(Interest, Interest.id == AmbassadorInterest.interest_id)
        .where(AmbassadorInterest.ambassador_id.in_(proposable_ids))
        .order_by(AmbassadorInterest.ambassador_id, Interest.label_da)
    )


def fingerprint(db: Session, scope: Scope, *, now: datetime, buffer_days: int) -> dict[str, str]:
    """What a run depends on, part by part, as short digests (a handful of light queries).

    A commit compares it with the one stored at preview time: any change in the eligible pupils
    (consent, enrolment, answers, priority: all touch ``updated_at``), the ambassadors who may be
    proposed (state, capacity, profile, interests, open load), the pair rules or the pairs that
    may not meet again makes the preview stale.
    """
    conn = db.connection()
    eligible_ids = _eligible_ids(scope, now=now, buffer_days=buffer_days)
    # Aggregates, not rows: which pupils (count and two sums of ids, which a swap of one pupil
    # for another cannot keep equal by accident) and the latest change among them (every change
    # to a pupil moves ``updated_at`` to now).
    pupils = conn.execute(
        select(
            func.count(Pupil.id),
            func.sum(Pupil.id),
            func.sum(Pupil.id * Pupil.id),
            cast(func.max(Pupil.updated_at), String),
        ).where(Pupil.id.in_(eligible_ids))
    ).all()
    ambassadors = conn.execute(
        proposable_ambassadors()
        .with_only_columns(Ambassador.id, Ambassador.capacity, cast(Ambassador.updated_at, String))
        .order_by(Ambassador.id)
    ).all()
    load = conn.execute(_open_load().order_by(Match.ambassador_id)).all()
    amb_interests = conn.execute(_ambassador_interest_rows()).all()
    rules = conn.execute(
        select(PairRule.pupil_id, PairRule.ambassador_id, PairRule.kind).order_by(
            PairRule.pupil_id, PairRule.ambassador_id
        )
    ).all()
    # Per state, which matches are in it: a match changing state moves between the groups.
    matches = conn.execute(
        select(Match.state, func.count(Match.id), func.sum(Match.id), func.sum(Match.id * Match.id))
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
        "ambassadors": _digest([*ambassadors, *load, *amb_interests]),
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
