"""What the counsellor's preview page reads: a run's pairs with names, coverage, loads, rules.

A bounded number of queries per page, whatever the size of the run (a test counts them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from mentor.data_generation import remembered
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    ConsentState,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    Organisation,
    PairRule,
    PairRuleKind,
    Programme,
    Pupil,
    PupilStatus,
    User,
)
from mentor.policy import matching_school_ids, proposable_ambassadors


@dataclass(frozen=True)
class AmbassadorLoad:
    ambassador_id: int
    name: str
    programme: str
    capacity: int
    existing: int
    proposed: int


@dataclass(frozen=True)
class RuleRow:
    rule_id: int
    kind: PairRuleKind
    pupil_name: str
    ambassador_name: str


@dataclass(frozen=True)
class Coverage:
    name: str
    eligible: int
    proposed: int
    key: int  # the school's id or the grade: what the preview's filter takes

    @property
    def share(self) -> float:
        return self.proposed / self.eligible if self.eligible else 0.0


def my_runs(db: Session, user: User, limit: int = 10) -> list[MatchRun]:
    return list(
        db.scalars(
            select(MatchRun)
            .where(MatchRun.created_by_id == user.id)
            .order_by(MatchRun.created_at.desc(), MatchRun.id.desc())
            .limit(limit)
        )
    )


def my_schools(db: Session, user: User) -> list[Organisation]:
    return list(
        db.scalars(
            select(Organisation)
            .where(Organisation.id.in_(matching_school_ids(user)))
            .order_by(Organisation.name)
        )
    )


def coverage(db: Session, run: MatchRun) -> tuple[list[Coverage], list[Coverage]]:
    """Eligible and proposed pupils per school and per grade, counted in the database."""
    proposed = func.count(MatchRunPupil.ambassador_id)
    by_school = db.execute(
        select(Organisation.name, func.count(MatchRunPupil.id), proposed, Organisation.id)
        .join(Pupil, Pupil.id == MatchRunPupil.pupil_id)
        .join(Organisation, Organisation.id == Pupil.school_id)
        .where(MatchRunPupil.run_id == run.id)
        .group_by(Organisation.id, Organisation.name)
        .order_by(Organisation.name, Organisation.id)
    ).all()
    by_grade = db.execute(
        select(Pupil.grade, func.count(MatchRunPupil.id), proposed)
        .join(Pupil, Pupil.id == MatchRunPupil.pupil_id)
        .where(MatchRunPupil.run_id == run.id)
        .group_by(Pupil.grade)
        .order_by(Pupil.grade)
    ).all()
    return (
        [Coverage(name, n, m, school_id) for name, n, m, school_id in by_school],
        [Coverage(str(grade), n, m, grade) for grade, n, m in by_grade],
    )


def loads(db: Session, run: MatchRun) -> list[AmbassadorLoad]:
    """Each ambassador the run proposes to: capacity, pupils already held, pupils proposed."""
    proposed = dict(
        db.execute(
            select(MatchRunPupil.ambassador_id, func.count(MatchRunPupil.id))
            .where(MatchRunPupil.run_id == run.id, MatchRunPupil.ambassador_id.is_not(None))
            .group_by(MatchRunPupil.ambassador_id)
        )
        .tuples()
        .all()
    )
    existing: dict[int, int] = defaultdict(int)
    if proposed:
        for aid, n in db.execute(
            select(Match.ambassador_id, func.count(Match.id))
            .where(
                Match.ambassador_id.in_(proposed),
                Match.state.in_(OPEN_MATCH_STATES),
                # A committed run's own proposals are what it proposed, not what was there.
                Match.run_id.is_distinct_from(run.id),
            )
            .group_by(Match.ambassador_id)
        ):
            existing[aid] = n
    rows_ = db.execute(
        select(Ambassador.id, User.full_name, Programme.code, Ambassador.capacity)
        .join(User, User.id == Ambassador.user_id)
        .join(Programme, Programme.id == Ambassador.programme_id)
        .where(Ambassador.id.in_(proposed))
        .order_by(User.full_name, Ambassador.id)
    ).all()
    return [
        AmbassadorLoad(aid, name, code, capacity, existing[aid], proposed[aid])
        for aid, name, code, capacity in rows_
    ]


def rules(db: Session, user: User) -> list[RuleRow]:
    """The locked and forbidden pairs of the pupils at the user's schools."""
    amb_user = aliased(User)
    result = db.execute(
        select(PairRule.id, PairRule.kind, Pupil.first_name, Pupil.last_name, amb_user.full_name)
        .join(Pupil, Pupil.id == PairRule.pupil_id)
        .join(Ambassador, Ambassador.id == PairRule.ambassador_id)
        .join(amb_user, amb_user.id == Ambassador.user_id)
        .where(Pupil.school_id.in_(matching_school_ids(user)))
        .order_by(PairRule.kind, Pupil.sort_name, PairRule.id)
    ).all()
    return [RuleRow(rid, kind, f"{first} {last}", name) for rid, kind, first, last, name in result]


def is_open(run: MatchRun) -> bool:
    return run.state is MatchRunState.PREVIEW


@dataclass(frozen=True)
class SchoolOverview:
    """Who at a school can take part in a run, before it starts."""

    school_id: int
    name: str
    ready: int  # consent given, questionnaire answered, no open proposal or match
    unanswered: int  # as ready, but the questionnaire is not answered
    without_consent: int
    matched: int  # an open proposal or match already


@dataclass(frozen=True)
class AmbassadorRoom:
    ambassadors: int
    places: int


def overview(
    db: Session, user: User, *, reuse_at: datetime | None = None
) -> tuple[list[SchoolOverview], AmbassadorRoom]:
    """Per school of the user's, the pupils a run would take; and the ambassadors with room.

    Two grouped queries, whatever the number of pupils; with ``reuse_at`` (a page's clock)
    counted once while the data is unchanged (``remembered``).
    """
    if reuse_at is not None:
        key = ("matching overview", user.id)
        return remembered(db, key, now=reuse_at, count=lambda: overview(db, user))
    # A pupil has at most one open match (uq_match_pupil_id_open): joined once a pupil, where
    # an EXISTS in each of three counts looked it up three times.
    open_match = aliased(Match)
    has_open = open_match.id.is_not(None)
    active = Pupil.status == PupilStatus.ACTIVE
    consent = Pupil.consent_state == ConsentState.GIVEN
    answered = Pupil.questionnaire_completed_at.is_not(None)
    free = and_(active, consent, ~has_open)
    rows = db.execute(
        select(
            Organisation.id,
            Organisation.name,
            func.count(Pupil.id).filter(and_(free, answered)),
            func.count(Pupil.id).filter(and_(free, ~answered)),
            func.count(Pupil.id).filter(and_(active, ~consent)),
            func.count(Pupil.id).filter(and_(active, has_open)),
        )
        .outerjoin(Pupil, Pupil.school_id == Organisation.id)
        .outerjoin(
            open_match,
            and_(open_match.pupil_id == Pupil.id, open_match.state.in_(OPEN_MATCH_STATES)),
        )
        .where(Organisation.id.in_(matching_school_ids(user)))
        .group_by(Organisation.id, Organisation.name)
        .order_by(Organisation.name)
    ).all()
    load = (
        select(Match.ambassador_id.label("ambassador_id"), func.count(Match.id).label("n"))
        .where(Match.state.in_(OPEN_MATCH_STATES))
        .group_by(Match.ambassador_id)
        .subquery()
    )
    room = Ambassador.capacity - func.coalesce(load.c.n, 0)
    ambassadors, places = db.execute(
        proposable_ambassadors()
        .with_only_columns(func.count(Ambassador.id), func.coalesce(func.sum(room), 0))
        .outerjoin(load, load.c.ambassador_id == Ambassador.id)
        .where(room > 0)
    ).one()
    return (
        [SchoolOverview(*row) for row in rows],
        AmbassadorRoom(int(ambassadors), int(places)),
    )
