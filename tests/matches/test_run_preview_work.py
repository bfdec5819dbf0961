"""Working in a run's preview through HTTP: filters, search and pages in the query string; lock,
forbid and swap changing a row in place (htmx) or reloading at the row; why a lower-scoring
ambassador was chosen; committing after a question that counts proposals and e-mails."""

from __future__ import annotations

import pytest
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from mentor.db import utcnow
from mentor.matches import run_rows
from mentor.models import (
    Ambassador,
    AuditEvent,
    Match,
    MatchRun,
    MatchRunPupil,
    OutboxEmail,
    PairRule,
    PairRuleKind,
    Pupil,
    Role,
    User,
)
from tests.conftest import QueryCounter
from tests.factories import make_ambassador, make_counsellor_school, make_pupil, make_school
from tests.web import csrf_token, log_in_as, post_form


def _htmx_post(client: TestClient, path: str, data: dict[str, object]) -> Response:
    """What htmx sends: the form's fields (its CSRF field among them) and ``HX-Request``."""
    return client.post(
        path, data={**data, "csrf_token": csrf_token(client, "/")}, headers={"HX-Request": "true"}
    )


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _setup(
    client: TestClient, db: Session, *, per_school: int = 3, ambassadors: int = 2, capacity: int = 1
) -> tuple[list[int], int]:
    counsellor = log_in_as(client, db, Role.COUNSELLOR)
    schools = [make_school(db, name=name) for name in ("Aabenraa Skole", "Bøgeskolen")]
    for school in schools:
        make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
        for _ in range(per_school):
            make_pupil(db, school_id=school.id, questionnaire_completed_at=utcnow())
    for _ in range(ambassadors):
        make_ambassador(db, capacity=capacity)
    fields = {f"school_{s.id}": "1" for s in schools}
    response = post_form(client, "/matching/runs", fields)
    assert response.status_code == 303, response.text
    return [s.id for s in schools], int(response.headers["location"].rsplit("/", 1)[1])


def _pupil_name(db: Session, pupil_id: int) -> str:
    pupil = db.get_one(Pupil, pupil_id)
    return f"{pupil.first_name} {pupil.last_name}"


def _ambassador_name(db: Session, ambassador_id: int) -> str:
    return db.scalars(
        select(User.full_name)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == ambassador_id)
    ).one()


def _rows(db: Session, run_id: int) -> dict[int, MatchRunPupil]:
    rows = db.scalars(
        select(MatchRunPupil)
        .where(MatchRunPupil.run_id == run_id)
        .execution_options(populate_existing=True)
    )
    return {row.pupil_id: row for row in rows}


def test_filters_search_and_pages_live_in_the_query_string(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    (_, school_b), run_id = _setup(client, db, per_school=3, ambassadors=2)
    rows = _rows(db, run_id)
    in_b = [p for p in rows if db.get_one(Pupil, p).school_id == school_b]
    page = _main(client.get(f"/matching/runs/{run_id}?school={school_b}").text)
    assert "3 elever" in page
    assert all(_pupil_name(db, p) in page for p in in_b)
    assert not any(_pupil_name(db, p) in page for p in rows if p not in in_b)

    someone = in_b[0]
    found = _main(
        client.get(f"/matching/runs/{run_id}", params={"q": _pupil_name(db, someone)}).text
    )
    assert "1 elev" in found
    assert _pupil_name(db, someone) in found

    proposed = next(row for row in rows.values() if row.ambassador_id is not None)
    assert proposed.ambassador_id is not None
    by_ambassador = _main(
        client.get(
            f"/matching/runs/{run_id}", params={"q": _ambassador_name(db, proposed.ambassador_id)}
        ).text
    )
    assert _pupil_name(db, proposed.pupil_id) in by_ambassador

    unmatched = _main(client.get(f"/matching/runs/{run_id}?status=unmatched").text)
    assert "4 elever" in unmatched  # 6 pupils, 2 places
    assert "Ingen ambassadør" in unmatched
    assert "låst" not in _main(client.get(f"/matching/runs/{run_id}?status=locked").text)
    scores = [row.score for row in rows.values() if row.score is not None]
    band = "low" if max(scores) < 0.5 else "high" if min(scores) >= 0.7 else "middle"
    assert "2 elever" in _main(client.get(f"/matching/runs/{run_id}?band={band}").text)
    other = "high" if band == "low" else "low"
    assert "0 elever" in _main(client.get(f"/matching/runs/{run_id}?band={other}").text)

    # Pages keep the filters.
    monkeypatch.setattr(run_rows, "PAGE_SIZE", 2)
    paged = _main(client.get(f"/matching/runs/{run_id}?status=unmatched").text)
    assert "side 1 af 2" in paged
    assert f'href="/matching/runs/{run_id}?status=unmatched&amp;page=2#pupils"' in paged
    # Hostile values are ignored, never a 5xx.
    hostile = client.get(f"/matching/runs/{run_id}?school=9{'9' * 30}&page=-1&q=%00x&band=zz")
    assert hostile.status_code == 200


def test_the_filtered_preview_does_a_bounded_number_of_queries(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    (school_a, _), small = _setup(client, db, per_school=2, ambassadors=2)
    query = f"?school={school_a}&status=proposed&band=high&q=a&page=1"
    query_counter.reset()
    assert client.get(f"/matching/runs/{small}{query}").status_code == 200
    few = query_counter.count
    for _ in range(40):
        make_pupil(db, school_id=school_a, questionnaire_completed_at=utcnow())
    for _ in range(12):
        make_ambassador(db, capacity=2)
    response = post_form(client, f"/matching/runs/{small}/rerun", {})
    large = int(response.headers["location"].rsplit("/", 1)[1])
    for q in (query, "", "?status=unmatched"):
        query_counter.reset()
        assert client.get(f"/matching/runs/{large}{q}").status_code == 200
        assert query_counter.count == few


def test_lock_changes_the_row_in_place_with_htmx(client: TestClient, db: Session) -> None:
    _, run_id = _setup(client, db, per_school=1, ambassadors=2)
    row = next(r for r in _rows(db, run_id).values() if r.ambassador_id is not None)
    response = post_form(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": row.pupil_id, "ambassador_id": row.ambassador_id, "kind": "locked"},
    )
    assert response.status_code == 303  # without htmx: back to the row
    assert response.headers["location"].endswith(f"/matching/runs/{run_id}#pupil-{row.pupil_id}")
    forbid = _htmx_post(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": row.pupil_id, "ambassador_id": row.ambassador_id, "kind": "forbidden"},
    )
    assert forbid.status_code == 200, forbid.text
    assert forbid.text.lstrip().startswith(f'<tr id="pupil-{row.pupil_id}">')
    assert "har nu ingen ambassadør i denne forhåndsvisning" in forbid.text
    assert '<hx-partial hx-target="#run-summary"' in forbid.text
    after = _rows(db, run_id)[row.pupil_id]
    assert after.ambassador_id is None
    assert after.unmatched_reason == "forbidden_in_preview"
    rule = db.scalars(select(PairRule).where(PairRule.pupil_id == row.pupil_id)).one()
    assert rule.kind is PairRuleKind.FORBIDDEN
    assert (
        db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.object_type == "pair_rule"))
        == 2
    )
    # The preview honours every rule, so it can still be committed: without the pair.
    commit = post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"})
    assert commit.status_code == 303, commit.text
    assert db.scalar(select(func.count(Match.id)).where(Match.run_id == run_id)) == 1


def test_without_javascript_an_action_reloads_at_the_row_with_its_filters(
    client: TestClient, db: Session
) -> None:
    (_, school_b), run_id = _setup(client, db, per_school=1, ambassadors=2)
    row = next(r for r in _rows(db, run_id).values() if r.ambassador_id is not None)
    response = post_form(
        client,
        f"/matching/runs/{run_id}/rules",
        {
            "pupil_id": row.pupil_id,
            "ambassador_id": row.ambassador_id,
            "kind": "locked",
            "back": f"?school={school_b}&status=proposed&page=2&evil=1",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(
        f"/matching/runs/{run_id}?school={school_b}&status=proposed&page=2#pupil-{row.pupil_id}"
    )
    page = _main(client.get(f"/matching/runs/{run_id}?school={school_b}").text)
    assert "Parret er låst: det bliver i denne forhåndsvisning" in page


def test_a_swap_to_an_ambassador_with_room_takes_effect_at_once(
    client: TestClient, db: Session
) -> None:
    _, run_id = _setup(client, db, per_school=1, ambassadors=3)
    row = next(r for r in _rows(db, run_id).values() if r.ambassador_id is not None)
    before = row.ambassador_id
    free = next(
        int(a["ambassador_id"])
        for a in row.alternatives
        if int(a["ambassador_id"]) not in {r.ambassador_id for r in _rows(db, run_id).values()}
    )
    response = post_form(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": row.pupil_id, "ambassador_id": free, "kind": "locked"},
    )
    assert response.status_code == 303
    after = _rows(db, run_id)[row.pupil_id]
    assert (after.ambassador_id, after.locked) == (free, True)
    assert before in {int(a["ambassador_id"]) for a in after.alternatives}
    # The new pair's own reasons, worked out on the run's input (the ambassador reads them).
    assert after.explanation is not None
    assert after.explanation["reasons"]
    page = _main(client.get(f"/matching/runs/{run_id}").text)
    assert f"har nu {_ambassador_name(db, free)} i denne forhåndsvisning" in page
    assert "Ændret i hånden efter kørslen" in page  # a pupil was moved by hand
    assert "Forhåndsvisningen er forældet" not in page
    commit = post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"})
    assert commit.status_code == 303, commit.text
    match = db.scalars(select(Match).where(Match.pupil_id == row.pupil_id)).one()
    assert match.ambassador_id == free


def test_a_swap_to_a_full_ambassador_says_why_and_asks_for_a_new_run(
    client: TestClient, db: Session
) -> None:
    _, run_id = _setup(client, db, per_school=1, ambassadors=2, capacity=1)
    first, second = (r for r in _rows(db, run_id).values() if r.ambassador_id is not None)
    assert second.ambassador_id is not None
    response = _htmx_post(
        client,
        f"/matching/runs/{run_id}/rules",
        {"pupil_id": first.pupil_id, "ambassador_id": second.ambassador_id, "kind": "locked"},
    )
    assert response.status_code == 200
    name = _ambassador_name(db, second.ambassador_id)
    assert f"{name} er fuldt optaget i denne kørsel" in response.text
    assert "kør igen for at give plads" in response.text
    assert _rows(db, run_id)[first.pupil_id].ambassador_id == first.ambassador_id
    assert db.scalars(select(PairRule.ambassador_id)).one() == second.ambassador_id
    page = _main(client.get(f"/matching/runs/{run_id}").text)
    assert "Forhåndsvisningen er forældet" in page  # the lock waits for a new run


def test_a_better_scoring_alternative_says_why_it_was_not_chosen(
    client: TestClient, db: Session
) -> None:
    _, run_id = _setup(client, db, per_school=1, ambassadors=2, capacity=1)
    first, second = (r for r in _rows(db, run_id).values() if r.ambassador_id is not None)
    assert first.score is not None
    assert second.ambassador_id is not None
    # The second pupil holds their ambassador by a lock; that ambassador scores higher for the
    # first pupil.
    second.locked = True
    first.alternatives = [{"ambassador_id": second.ambassador_id, "score": first.score + 0.1}]
    db.flush()
    page = _main(client.get(f"/matching/runs/{run_id}").text)
    name = _ambassador_name(db, second.ambassador_id)
    assert (
        f"{name} er fuldt optaget i denne kørsel: en plads bruges af et par, du har låst." in page
    )


def test_committing_asks_first_and_counts_proposals_and_emails(
    client: TestClient, db: Session
) -> None:
    _, run_id = _setup(client, db, per_school=2, ambassadors=2, capacity=2)
    page = _main(client.get(f"/matching/runs/{run_id}").text)
    assert "Godkendelse laver 4 forslag og sender e-mail til 2 ambassadører." in page
    assert "bevist optimal" not in page
    assert "Den bedste samlede fordeling blev fundet." in page
    question = client.get(f"/matching/runs/{run_id}/commit")
    assert question.status_code == 200
    text = _main(question.text)
    assert "4 forslag bliver lavet." in text
    assert "2 ambassadører får en e-mail" in text
    # A POST without the question's answer only asks.
    unasked = post_form(client, f"/matching/runs/{run_id}/commit", {})
    assert unasked.status_code == 200
    assert "Godkend matchkørsel" in unasked.text
    assert db.scalar(select(func.count(Match.id))) == 0
    done = post_form(client, f"/matching/runs/{run_id}/commit", {"confirmed": "1"})
    assert done.status_code == 303
    assert db.scalar(select(func.count(Match.id))) == 4
    assert db.scalar(select(func.count(OutboxEmail.id))) == 2
    assert db.get_one(MatchRun, run_id).committed_at is not None
