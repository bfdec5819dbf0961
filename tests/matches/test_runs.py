"""Matching runs through the service: allowed pairs, capacity, locks, forbids, stale previews."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import utcnow
from mentor.demo import load_demo
from mentor.errors import Conflict, InvalidInput
from mentor.matches import rules, runs
from mentor.matches.features import Scope
from mentor.matches.service import NEVER_AGAIN_STATES
from mentor.models import (
    OPEN_MATCH_STATES,
    Ambassador,
    AmbassadorState,
    ConsentMethod,
    ConsentState,
    CounsellorSchool,
    Match,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    OutboxEmail,
    PairRuleKind,
    Pupil,
    PupilStatus,
    Role,
    User,
)
from mentor.pupils.consent import withdraw_consent
from tests.conftest import QueryCounter
from tests.factories import (
    make_ambassador,
    make_ambassador_interest,
    make_counsellor_school,
    make_interest,
    make_match,
    make_programme,
    make_pupil,
    make_pupil_interest,
    make_pupil_programme_interest,
    make_school,
    make_user,
)


def _withdraw(db: Session, actor: User, pupil: Pupil) -> None:
    withdraw_consent(
        db, actor=actor, pupil=pupil, given_by="Mor", method=ConsentMethod.EMAIL, on=date.today()
    )


def _setup(db: Session, *, pupils: int = 6, ambassadors: int = 2) -> tuple[User, Scope]:
    counsellor = make_user(db, role=Role.COUNSELLOR)
    school = make_school(db)
    make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
    for _ in range(pupils):
        make_pupil(db, school_id=school.id, questionnaire_completed_at=utcnow())
    for _ in range(ambassadors):
        make_ambassador(db, capacity=2)
    return counsellor, Scope(school_ids=(school.id,))


def _proposed(db: Session, run_id: int) -> dict[int, int]:
    rows = db.execute(
        select(MatchRunPupil.pupil_id, MatchRunPupil.ambassador_id).where(
            MatchRunPupil.run_id == run_id, MatchRunPupil.ambassador_id.is_not(None)
        )
    )
    return {p: a for p, a in rows if a is not None}


def test_a_run_proposes_allowed_pairs_within_capacity_including_existing_mentees(
    db: Session, settings: Settings
) -> None:
    counsellor, scope = _setup(db, pupils=6, ambassadors=2)
    busy = db.scalars(select(Ambassador).order_by(Ambassador.id)).first()
    assert busy is not None
    make_match(db, ambassador_id=busy.id, state=MatchState.ACCEPTED)  # one place used already
    paused = make_ambassador(db, capacity=3, state=AmbassadorState.PAUSED)
    no_consent = make_pupil(db, school_id=scope.school_ids[0], consent_state=ConsentState.MISSING)
    run = runs.start_run(db, actor=counsellor, scope=scope, fair_shares=False, settings=settings)

    proposed = _proposed(db, run.id)
    load = Counter(proposed.values())
    assert load[busy.id] == 1  # capacity 2, one mentee already
    assert sum(load.values()) == 3
    assert paused.id not in load
    assert no_consent.id not in proposed
    assert run.state is MatchRunState.PREVIEW
    # Nothing reaches an ambassador before the commit.
    assert db.scalar(select(func.count(Match.id)).where(Match.run_id == run.id)) == 0

    count = runs.commit_run(db, actor=counsellor, run=run, settings=settings)
    assert count == 3
    states = db.execute(
        select(Match.pupil_id, Match.ambassador_id, Match.state, Match.model_version).where(
            Match.run_id == run.id
        )
    ).all()
    assert {(p, a) for p, a, _, _ in states} == set(proposed.items())
    assert {s for _, _, s, _ in states} == {MatchState.PROPOSED}
    assert {v for _, _, _, v in states} == {"default"}
    mails = db.scalar(select(func.count(OutboxEmail.id)))
    assert mails == len(set(proposed.values()))  # one e-mail per ambassador

    with pytest.raises(Conflict, match="allerede godkendt"):
        runs.commit_run(db, actor=counsellor, run=run, settings=settings)


def test_locks_and_forbids_are_honoured(db: Session, settings: Settings) -> None:
    counsellor, scope = _setup(db, pupils=4, ambassadors=2)
    pupils = db.scalars(select(Pupil).order_by(Pupil.id)).all()
    a1, a2 = db.scalars(select(Ambassador).order_by(Ambassador.id)).all()
    rules.set_pair_rule(
        db, actor=counsellor, pupil_id=pupils[0].id, ambassador_id=a2.id, kind=PairRuleKind.LOCKED
    )
    for pupil in pupils[1:]:
        rules.set_pair_rule(
            db,
            actor=counsellor,
            pupil_id=pupil.id,
            ambassador_id=a2.id,
            kind=PairRuleKind.FORBIDDEN,
        )
    run = runs.start_run(db, actor=counsellor, scope=scope, fair_shares=False, settings=settings)
    proposed = _proposed(db, run.id)
    assert proposed[pupils[0].id] == a2.id
    assert all(proposed.get(p.id) != a2.id for p in pupils[1:])
    locked = db.scalar(
        select(MatchRunPupil.locked).where(
            MatchRunPupil.run_id == run.id, MatchRunPupil.pupil_id == pupils[0].id
        )
    )
    assert locked is True
    assert Counter(proposed.values())[a1.id] == 2


def test_a_stale_preview_is_refused_with_what_changed(db: Session, settings: Settings) -> None:
    counsellor, scope = _setup(db)
    run = runs.start_run(db, actor=counsellor, scope=scope, fair_shares=False, settings=settings)
    pupil = db.scalars(select(Pupil).order_by(Pupil.id)).first()
    assert pupil is not None
    _withdraw(db, counsellor, pupil)
    with pytest.raises(Conflict, match="forældet") as raised:
        runs.commit_run(db, actor=counsellor, run=run, settings=settings)
    assert "elever i udvalget ændret" in str(raised.value)
    assert db.scalar(select(func.count(Match.id)).where(Match.run_id == run.id)) == 0


def test_a_declined_pair_is_never_proposed_again(db: Session, settings: Settings) -> None:
    counsellor, scope = _setup(db, pupils=1, ambassadors=2)
    pupil = db.scalars(select(Pupil)).one()
    first, second = db.scalars(select(Ambassador).order_by(Ambassador.id)).all()
    make_match(db, pupil_id=pupil.id, ambassador_id=first.id, state=MatchState.DECLINED)
    for _ in range(3):
        run = runs.start_run(
            db, actor=counsellor, scope=scope, fair_shares=False, settings=settings
        )
        assert _proposed(db, run.id) == {pupil.id: second.id}


def test_explanations_name_the_shared_interest_and_programme(
    db: Session, settings: Settings
) -> None:
    counsellor, scope = _setup(db, pupils=0, ambassadors=0)
    robots = make_interest(db, label_da="Robotter", label_en="Robots")
    htx = make_programme(db, code="HTX")
    pupil = make_pupil(db, school_id=scope.school_ids[0], questionnaire_completed_at=utcnow())
    make_pupil_interest(db, pupil_id=pupil.id, interest_id=robots.id)
    make_pupil_programme_interest(db, pupil_id=pupil.id, programme_id=htx.id, rank=1)
    ambassador = make_ambassador(db, programme_id=htx.id)
    make_ambassador_interest(db, ambassador_id=ambassador.id, interest_id=robots.id)
    run = runs.start_run(db, actor=counsellor, scope=scope, fair_shares=False, settings=settings)
    explanation = db.scalar(select(MatchRunPupil.explanation).where(MatchRunPupil.run_id == run.id))
    assert explanation is not None
    facts = {r["feature"]: r["facts"] for r in explanation["reasons"]}
    assert facts["programme_fit"] == {"programme": "HTX", "wished_programmes": ["HTX"]}
    assert facts["interest_similarity"] == {
        "shared_interests": [{"da": "Robotter", "en": "Robots"}]
    }


def test_the_scope_must_be_the_counsellors_own_schools(db: Session, settings: Settings) -> None:
    counsellor, _ = _setup(db)
    other = make_school(db)
    with pytest.raises(InvalidInput) as raised:
        runs.start_run(
            db,
            actor=counsellor,
            scope=Scope(school_ids=(other.id,)),
            fair_shares=False,
            settings=settings,
        )
    assert "school_ids" in raised.value.field_errors


def test_withdrawn_consent_ends_the_committed_proposal(db: Session, settings: Settings) -> None:
    counsellor, scope = _setup(db, pupils=1, ambassadors=1)
    run = runs.start_run(db, actor=counsellor, scope=scope, fair_shares=False, settings=settings)
    runs.commit_run(db, actor=counsellor, run=run, settings=settings)
    pupil = db.scalars(select(Pupil)).one()
    _withdraw(db, counsellor, pupil)
    states = db.scalars(select(Match.state).where(Match.pupil_id == pupil.id)).all()
    assert states == [MatchState.WITHDRAWN]


def test_a_run_costs_the_same_statements_however_many_pupils(
    db: Session, settings: Settings, query_counter: QueryCounter
) -> None:
    def run_and_commit(pupils: int, ambassadors: int) -> int:
        counsellor, scope = _setup(db, pupils=pupils, ambassadors=ambassadors)
        query_counter.reset()
        run = runs.start_run(
            db, actor=counsellor, scope=scope, fair_shares=False, settings=settings
        )
        runs.commit_run(db, actor=counsellor, run=run, settings=settings)
        return query_counter.count

    few = run_and_commit(3, 2)
    many = run_and_commit(40, 12)
    assert few == many
    # The second run also fills the first ambassadors' last free place.
    assert db.scalar(select(func.count(Match.id))) == 3 + 25


def test_a_run_over_the_demo_data_proposes_only_allowed_pairs_within_capacity(
    db: Session, settings: Settings
) -> None:
    load_demo(db)
    counsellor = db.scalars(select(User).where(User.email == "vejleder@ambassador.local")).one()
    schools = tuple(
        db.scalars(
            select(CounsellorSchool.school_id).where(
                CounsellorSchool.counsellor_id == counsellor.id
            )
        )
    )
    open_before = Counter(
        db.scalars(select(Match.ambassador_id).where(Match.state.in_(OPEN_MATCH_STATES)))
    )
    held = set(db.scalars(select(Match.pupil_id).where(Match.state.in_(OPEN_MATCH_STATES))))
    never_again = set(
        db.execute(
            select(Match.pupil_id, Match.ambassador_id).where(Match.state.in_(NEVER_AGAIN_STATES))
        )
        .tuples()
        .all()
    )
    scope = Scope(school_ids=schools, include_unanswered=True)
    run = runs.start_run(db, actor=counsellor, scope=scope, fair_shares=False, settings=settings)
    proposed = _proposed(db, run.id)
    assert proposed  # the demo has pupils and ambassadors with room

    pupils = {p.id: p for p in db.scalars(select(Pupil).where(Pupil.id.in_(proposed)))}
    ambassadors = {
        a.id: a for a in db.scalars(select(Ambassador).where(Ambassador.id.in_(proposed.values())))
    }
    for pupil_id, ambassador_id in proposed.items():
        pupil, ambassador = pupils[pupil_id], ambassadors[ambassador_id]
        assert pupil.school_id in schools
        assert pupil.status is PupilStatus.ACTIVE
        assert pupil.consent_state is ConsentState.GIVEN
        assert pupil_id not in held
        assert ambassador.state is AmbassadorState.ACTIVE
        assert (pupil_id, ambassador_id) not in never_again
    for ambassador_id, count in Counter(proposed.values()).items():
        assert open_before[ambassador_id] + count <= ambassadors[ambassador_id].capacity
    runs.commit_run(db, actor=counsellor, run=run, settings=settings)
    assert db.scalar(select(func.count(Match.id)).where(Match.run_id == run.id)) == len(proposed)
