"""The counsellor's matching pages through HTTP: start, preview, lock, forbid, swap, commit."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from mentor.db import utcnow
from mentor.models import (
    Ambassador,
    ConsentState,
    Match,
    MatchRun,
    MatchRunPupil,
    MatchRunState,
    MatchState,
    PairRule,
    PairRuleKind,
    Pupil,
    Role,
    User,
)
from tests.conftest import QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match_run,
    make_pupil,
    make_school,
)
from tests.web import log_in_as, post_form


def _counsellor_with_pupils(
    client: TestClient, db: Session, pupils: int = 4, ambassadors: int = 2
) -> tuple[User, int]:
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    school = make_school(db, name="Hertug Hans Skole")
    make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
    for _ in range(pupils):
        make_pupil(db, school_id=school.id, questionnaire_completed_at=utcnow())
    for _ in range(ambassadors):
        make_ambassador(db, capacity=1)
    return counsellor, school.id


def _start(client: TestClient, school_id: int) -> int:
    response = post_form(client, "/matching/runs", {f"school_{school_id}": "1"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_start_preview_and_commit(client: TestClient, db: Session) -> None:
    _, school_id = _counsellor_with_pupils(client, db)
    page = client.get("/matching")
    assert page.status_code == 200
    assert "Hertug Hans Skole" in page.text
    run_id = _start(client, school_id)
    preview = client.get(f"/matching/runs/{run_id}")
    assert preview.status_code == 200
    assert "Elever i denne kørsel" in preview.text
    assert "Ingen ambassadør" in preview.text
    assert "Alle ambassadører, der passer, er fuldt optaget" in preview.text  # 4 pupils, 2 places
    # Scores in Danish have a decimal comma, in the pairs and in the mean.
    assert re.search(r"<td>[01],\d\d</td>", preview.text)
    assert re.search(r"<dd>[01],\d\d</dd>", preview.text)
    assert not re.search(r"<td>[01]\.\d\d</td>", preview.text)
    assert db.scalar(select(func.count(Match.id))) == 0

    response = post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"})
    assert response.status_code == 303
    assert db.scalar(select(func.count(Match.id)).where(Match.run_id == run_id)) == 2
    assert db.get_one(MatchRun, run_id).state is MatchRunState.COMMITTED
    again = post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"})
    assert again.status_code == 409
    assert "Denne kørsel er allerede godkendt." in again.text
    assert db.scalar(select(func.count(Match.id)).where(Match.run_id == run_id)) == 2


def test_lock_forbid_and_rerun(client: TestClient, db: Session) -> None:
    _, school_id = _counsellor_with_pupils(client, db, pupils=2, ambassadors=2)
    run_id = _start(client, school_id)
    rows = db.execute(
        select(MatchRunPupil.pupil_id, MatchRunPupil.ambassador_id).where(
            MatchRunPupil.run_id == run_id
        )
    ).all()
    (p1, a1), (p2, a2) = rows
    assert a1 is not None
    assert a2 is not None
    locked = post_form(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": p1, "ambassador_id": a2, "kind": "locked"},
    )
    assert locked.status_code == 303
    forbidden = post_form(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": p2, "ambassador_id": a2, "kind": "forbidden"},
    )
    assert forbidden.status_code == 303
    kinds = dict(db.execute(select(PairRule.pupil_id, PairRule.kind)).tuples().all())
    assert kinds == {p1: PairRuleKind.LOCKED, p2: PairRuleKind.FORBIDDEN}

    rerun = post_form(client, f"/matching/runs/{run_id}/rerun", {})
    assert rerun.status_code == 303
    new_id = int(rerun.headers["location"].rsplit("/", 1)[1])
    proposed = dict(
        db.execute(
            select(MatchRunPupil.pupil_id, MatchRunPupil.ambassador_id).where(
                MatchRunPupil.run_id == new_id
            )
        )
        .tuples()
        .all()
    )
    assert proposed == {p1: a2, p2: a1}
    assert db.get_one(MatchRun, run_id).state is MatchRunState.DISCARDED
    page = client.get(f"/matching/runs/{new_id}")
    assert "låst" in page.text


def test_a_rule_for_a_pupil_outside_the_run_is_refused(client: TestClient, db: Session) -> None:
    _, school_id = _counsellor_with_pupils(client, db, pupils=1, ambassadors=1)
    run_id = _start(client, school_id)
    stranger = make_pupil(db)
    ambassador = db.scalars(select(Ambassador)).one()
    response = post_form(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": stranger.id, "ambassador_id": ambassador.id, "kind": "locked"},
    )
    assert response.status_code == 422
    assert "Vælg en elev fra denne kørsel" in response.text
    assert db.scalar(select(func.count(PairRule.id))) == 0


def test_a_stale_preview_is_refused_on_the_page(client: TestClient, db: Session) -> None:
    _, school_id = _counsellor_with_pupils(client, db, pupils=2, ambassadors=1)
    run_id = _start(client, school_id)
    make_ambassador(db, capacity=3)  # a new ambassador with room since the preview
    page = client.get(f"/matching/runs/{run_id}")
    assert "Forhåndsvisningen er forældet" in page.text
    response = post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"})
    assert response.status_code == 409
    assert "ambassadører ændret" in response.text
    assert db.scalar(select(func.count(Match.id))) == 0


def test_no_scope_is_refused_next_to_the_field(client: TestClient, db: Session) -> None:
    _counsellor_with_pupils(client, db)
    response = post_form(client, "/matching/runs", {})
    assert response.status_code == 422
    assert "Vælg mindst én af dine skoler." in response.text
    assert db.scalar(select(func.count(MatchRun.id))) == 0


def test_another_counsellors_run_is_not_found(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.COUNSELLOR)
    run = make_match_run(db)
    assert client.get(f"/matching/runs/{run.id}").status_code == 404
    assert post_form(client, f"/matching/runs/{run.id}/commit", {}).status_code == 404
    assert db.get_one(MatchRun, run.id).state is MatchRunState.PREVIEW


def test_the_preview_page_does_a_bounded_number_of_queries(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    _, school_id = _counsellor_with_pupils(client, db, pupils=3, ambassadors=2)
    small = _start(client, school_id)
    query_counter.reset()
    client.get(f"/matching/runs/{small}")
    few = query_counter.count
    for _ in range(30):
        make_pupil(db, school_id=school_id, questionnaire_completed_at=utcnow())
    for _ in range(10):
        make_ambassador(db, capacity=2)
    large = _start(client, school_id)
    query_counter.reset()
    client.get(f"/matching/runs/{large}")
    assert query_counter.count == few
    assert db.scalar(select(func.count(Pupil.id))) == 33
    assert db.scalar(select(func.count(Match.id)).where(Match.state == MatchState.PROPOSED)) == 0


def test_the_start_page_shows_who_can_take_part(client: TestClient, db: Session) -> None:
    _, school_id = _counsellor_with_pupils(client, db, pupils=3, ambassadors=2)
    make_pupil(db, school_id=school_id)  # consent given, questionnaire not answered
    make_pupil(db, school_id=school_id, consent_state=ConsentState.MISSING)
    page = client.get("/matching")
    row = re.search(
        r"Hertug Hans Skole</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>",
        page.text,
    )
    assert row is not None
    assert row.groups() == ("3", "1", "1", "0")
    assert "2 ambassadører har plads: 2 pladser." in page.text
