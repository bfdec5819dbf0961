"""The preview page says a run is out of date after each kind of change it depends on, names
what changed (and only that), and says nothing when nothing did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from mentor.config import Settings
from mentor.db import utcnow
from mentor.matches import runs
from mentor.models import (
    Ambassador,
    AmbassadorState,
    ConsentState,
    Interest,
    Match,
    MatchRun,
    MatchState,
    PairRule,
    PairRuleKind,
    Pupil,
    Role,
)
from tests.factories import (
    make_ambassador,
    make_ambassador_interest,
    make_counsellor_school,
    make_interest,
    make_match,
    make_pair_rule,
    make_pupil,
    make_school,
)
from tests.web import log_in_as, post_form

OUT_OF_DATE = "Forhåndsvisningen er forældet"
SAID = {
    "pupils": "elever i udvalget ændret",
    "ambassadors": "ambassadører ændret",
    "rules": "låste eller forbudte par ændret",
    "matches": "forslag eller match ændret",
}


@dataclass
class World:
    school_id: int
    pupils: list[Pupil]
    ambassadors: list[Ambassador]
    interest: Interest
    # A pupil at a school outside the run's scope, proposed to an ambassador of the run.
    outside_match: Match


def _world(client: TestClient, db: Session) -> World:
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    school = make_school(db)
    make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
    pupils = [
        make_pupil(db, school_id=school.id, questionnaire_completed_at=utcnow()) for _ in range(3)
    ]
    ambassadors = [make_ambassador(db, capacity=3) for _ in range(2)]
    interest = make_interest(db)
    make_ambassador_interest(db, ambassador_id=ambassadors[0].id, interest_id=interest.id)
    make_pair_rule(db, pupil_id=pupils[2].id, ambassador_id=ambassadors[1].id)
    outside = make_match(
        db, pupil=make_pupil(db, school=make_school(db)), ambassador_id=ambassadors[1].id
    )
    return World(school.id, pupils, ambassadors, interest, outside)


def _start(client: TestClient, world: World) -> int:
    response = post_form(client, "/matching/runs", {f"school_{world.school_id}": "1"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def _priority(db: Session, w: World) -> None:
    w.pupils[0].priority = True


def _withdrawn(db: Session, w: World) -> None:
    w.pupils[1].consent_state = ConsentState.WITHDRAWN


def _new_pupil(db: Session, w: World) -> None:
    make_pupil(db, school_id=w.school_id, questionnaire_completed_at=utcnow())


def _pupil_dated_earlier(db: Session, w: World) -> None:
    # A change written by a worker whose clock is behind: the latest change stays the same.
    w.pupils[0].priority = True
    w.pupils[0].updated_at = w.pupils[0].updated_at - timedelta(hours=1)


def _capacity(db: Session, w: World) -> None:
    w.ambassadors[0].capacity = 4


def _profile_dated_earlier(db: Session, w: World) -> None:
    w.ambassadors[0].languages = ["da", "en", "tr"]
    w.ambassadors[0].updated_at = w.ambassadors[0].updated_at - timedelta(hours=1)


def _paused(db: Session, w: World) -> None:
    w.ambassadors[1].state = AmbassadorState.PAUSED


def _new_ambassador(db: Session, w: World) -> None:
    make_ambassador(db, capacity=1)


def _interest_added(db: Session, w: World) -> None:
    make_ambassador_interest(db, ambassador_id=w.ambassadors[1].id, interest_id=w.interest.id)


def _interest_relabelled(db: Session, w: World) -> None:
    w.interest.label_da = w.interest.label_da + " og mere"


def _load_freed(db: Session, w: World) -> None:
    # The outside pupil's proposal is declined: its ambassador has a place more.
    w.outside_match.state = MatchState.DECLINED
    w.outside_match.responded_at = utcnow()
    w.outside_match.decline_reason = "Ingen tid."


def _rule_added(db: Session, w: World) -> None:
    make_pair_rule(
        db, pupil_id=w.pupils[0].id, ambassador_id=w.ambassadors[0].id, kind=PairRuleKind.LOCKED
    )


def _rule_turned(db: Session, w: World) -> None:
    rule = db.scalars(select(PairRule)).one()
    rule.kind = PairRuleKind.LOCKED


def _accepted(db: Session, w: World) -> None:
    w.outside_match.state = MatchState.ACCEPTED
    w.outside_match.responded_at = utcnow()


def _declined_before(db: Session, w: World) -> None:
    # An eligible pupil's earlier declined proposal (a pair that may not meet again).
    make_match(
        db, pupil_id=w.pupils[1].id, ambassador_id=w.ambassadors[0].id, state=MatchState.DECLINED
    )


CHANGES: dict[str, tuple[Callable[[Session, World], None], set[str]]] = {
    "a pupil's priority": (_priority, {"pupils"}),
    "a pupil's consent withdrawn": (_withdrawn, {"pupils"}),
    "a new eligible pupil": (_new_pupil, {"pupils"}),
    "a pupil changed by a clock behind": (_pupil_dated_earlier, {"pupils"}),
    "an ambassador's capacity": (_capacity, {"ambassadors"}),
    "a profile changed by a clock behind": (_profile_dated_earlier, {"ambassadors"}),
    "an ambassador paused": (_paused, {"ambassadors"}),
    "a new ambassador": (_new_ambassador, {"ambassadors"}),
    "an interest added to a profile": (_interest_added, {"ambassadors"}),
    "an interest relabelled": (_interest_relabelled, {"ambassadors"}),
    "an ambassador's place freed": (_load_freed, {"ambassadors", "matches"}),
    "a pair locked": (_rule_added, {"rules"}),
    "a forbidden pair locked instead": (_rule_turned, {"rules"}),
    "a proposal accepted": (_accepted, {"matches"}),
    "a pair that may not meet again": (_declined_before, {"matches"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_makes_the_page_say_what_is_out_of_date(
    client: TestClient, db: Session, change: str
) -> None:
    world = _world(client, db)
    run_id = _start(client, world)
    assert OUT_OF_DATE not in client.get(f"/matching/runs/{run_id}").text
    act, parts = CHANGES[change]
    act(db, world)
    db.flush()
    page = client.get(f"/matching/runs/{run_id}").text
    assert OUT_OF_DATE in page
    assert {part for part, said in SAID.items() if said in page} == parts


def test_a_rule_removed_and_set_again_is_the_same_input(
    client: TestClient, db: Session, settings: Settings
) -> None:
    world = _world(client, db)
    run_id = _start(client, world)
    rule = db.scalars(select(PairRule)).one()
    pair = (rule.pupil_id, rule.ambassador_id, rule.kind)
    db.execute(delete(PairRule))
    make_pair_rule(db, pupil_id=pair[0], ambassador_id=pair[1], kind=pair[2])
    run = db.get_one(MatchRun, run_id)
    assert runs.stale_parts(db, run, settings) == []
    assert OUT_OF_DATE not in client.get(f"/matching/runs/{run_id}").text
