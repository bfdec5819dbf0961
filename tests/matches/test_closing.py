"""A counsellor ends a match from the pupil page: the reason, the page, who may, and what matching
does with the pupil afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import utcnow
from mentor.matches import runs
from mentor.matches.features import Scope
from mentor.models import (
    Ambassador,
    AuditEvent,
    CloseReason,
    DeclineReason,
    Match,
    MatchRunPupil,
    MatchState,
    Organisation,
    Pupil,
    Role,
    User,
)
from mentor.web.middleware import LOCALE_COOKIE
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
)
from tests.web import log_in_as, post_form, sign_in

EXPLANATION = {
    "reasons": [
        {
            "feature": "shared_interests",
            "contribution": 0.4,
            "da": "I deler interessen for Robotter.",
            "en": "You share an interest in Robots.",
        }
    ]
}


def counsellor(client: TestClient, db: Session, school: Organisation) -> User:
    user = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=user, school=school)
    return user


def in_english(client: TestClient) -> None:
    # The new messages are checked in English, the source language, whatever the catalogue holds.
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")


def end_url(match: Match) -> str:
    return f"/pupils/{match.pupil_id}/matches/{match.id}/end"


def fresh(db: Session, match: Match) -> Match:
    db.expire_all()
    return db.get_one(Match, match.id)


def test_ending_an_accepted_match_closes_it_with_the_reason_and_shows_it(
    client: TestClient, db: Session, settings: Settings
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED, explanation=EXPLANATION)
    user = counsellor(client, db, school)
    in_english(client)

    page = client.get(f"/pupils/{pupil.id}")
    assert page.status_code == 200
    assert f'action="{end_url(match)}"' in page.text
    assert "End the match" in page.text
    assert "You share an interest in Robots." in page.text

    response = post_form(
        client, end_url(match), {"reason": "moved", "note": "  Flyttet til Aarhus  "}
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/pupils/{pupil.id}"
    ended = fresh(db, match)
    assert ended.state is MatchState.CLOSED
    assert ended.close_reason is CloseReason.MOVED
    assert ended.close_note == "Flyttet til Aarhus"
    assert ended.closed_by_id == user.id
    assert ended.closed_at is not None
    audit = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "match", AuditEvent.object_id == str(match.id)
        )
    ).one()
    assert audit.actor_id == user.id
    assert audit.details == {"from": "accepted", "to": "closed", "reason": "moved"}

    page = client.get(f"/pupils/{pupil.id}")
    days = settings.rematch_buffer_days
    assert f"The match ended. The pupil can be proposed again after {days} days." in page.text
    assert "The pupil has moved: Flyttet til Aarhus" in page.text
    # Nothing is open any more: no end form.
    assert "End the match" not in page.text


def test_ending_a_proposal_withdraws_it(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.PROPOSED)
    counsellor(client, db, school)
    in_english(client)

    response = post_form(client, end_url(match), {"reason": "applied", "note": ""})

    assert response.status_code == 303
    ended = fresh(db, match)
    assert ended.state is MatchState.WITHDRAWN
    assert ended.close_reason is CloseReason.APPLIED
    assert ended.close_note is None
    assert ended.closed_at is not None
    page = client.get(f"/pupils/{pupil.id}").text
    assert "The proposal was withdrawn. The ambassador no longer sees the pupil." in page
    assert "The pupil has applied for an education" in page


def test_other_without_a_note_is_refused_next_to_the_field_and_changes_nothing(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    counsellor(client, db, school)
    in_english(client)

    response = post_form(client, end_url(match), {"reason": "other", "note": "   "})

    assert response.status_code == 422
    assert '<p class="field-error" id="note-error">' in response.text
    assert "Write a short note when you choose “Other”." in response.text
    # The choice is kept in the form that comes back.
    assert '<option value="other" selected>' in response.text
    assert fresh(db, match).state is MatchState.ACCEPTED
    assert fresh(db, match).closed_at is None


def test_no_reason_and_a_note_too_long_are_refused(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    counsellor(client, db, school)
    in_english(client)

    missing = post_form(client, end_url(match), {"reason": "", "note": "Noget"})
    made_up = post_form(client, end_url(match), {"reason": "bored", "note": ""})
    too_long = post_form(client, end_url(match), {"reason": "moved", "note": "x" * 1001})

    for response in (missing, made_up):
        assert response.status_code == 422
        assert '<p class="field-error" id="reason-error">Choose a reason.</p>' in response.text
    assert too_long.status_code == 422
    assert "Write at most 1000 characters." in too_long.text
    assert fresh(db, match).state is MatchState.ACCEPTED


def test_a_pupil_outside_the_counsellors_schools_is_not_found(
    client: TestClient, db: Session
) -> None:
    counsellor(client, db, make_school(db))
    match = make_match(db, state=MatchState.ACCEPTED)  # a pupil of some other school

    response = post_form(client, end_url(match), {"reason": "moved"})

    assert response.status_code == 404
    assert fresh(db, match).state is MatchState.ACCEPTED


def test_a_match_of_another_pupil_is_not_found(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    other = make_match(db, pupil=make_pupil(db, school=school), state=MatchState.ACCEPTED)
    counsellor(client, db, school)

    response = post_form(client, f"/pupils/{pupil.id}/matches/{other.id}/end", {"reason": "moved"})

    assert response.status_code == 404
    assert fresh(db, other).state is MatchState.ACCEPTED


def test_ending_twice_is_a_conflict_with_a_message(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    counsellor(client, db, school)
    in_english(client)

    first = post_form(client, end_url(match), {"reason": "moved"})
    second = post_form(client, end_url(match), {"reason": "applied"})

    assert first.status_code == 303
    assert second.status_code == 409
    assert "This proposal or match has already ended." in second.text
    assert fresh(db, match).close_reason is CloseReason.MOVED


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AMBASSADOR, Role.ADMIN])
def test_other_roles_may_not_end_a_match(client: TestClient, db: Session, role: Role) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    if role is Role.AMBASSADOR:
        # Even the match's own ambassador: ending it is the counsellor's decision.
        ambassador = db.get_one(Ambassador, match.ambassador_id)
        sign_in(client, db, db.get_one(User, ambassador.user_id))
    elif role is Role.COORDINATOR:
        log_in_as(client, db, role, organisation=school)  # the pupil's own school
    else:
        log_in_as(client, db, role)

    response = post_form(client, end_url(match), {"reason": "moved"})

    assert response.status_code == 403
    assert fresh(db, match).state is MatchState.ACCEPTED


def test_coordinators_see_the_history_but_no_end_form(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    make_match(
        db,
        pupil=pupil,
        state=MatchState.DECLINED,
        decline_category=DeclineReason.SCHEDULE,
        decline_reason="Jeg har fri om onsdagen.",
        proposed_at=utcnow() - timedelta(days=20),
    )
    make_match(
        db,
        pupil=pupil,
        state=MatchState.CLOSED,
        close_reason=CloseReason.OTHER,
        close_note="Eleven har fået en mentor i klubben.",
        proposed_at=utcnow() - timedelta(days=10),
    )
    current = make_match(db, pupil=pupil, state=MatchState.ACCEPTED, explanation=EXPLANATION)
    log_in_as(client, db, Role.COORDINATOR, organisation=school)

    page = client.get(f"/pupils/{pupil.id}").text

    assert "I deler interessen for Robotter." in page  # the reader's language: Danish
    assert "Jeg har fri om onsdagen." in page
    assert "Eleven har fået en mentor i klubben." in page
    assert end_url(current) not in page
    assert 'name="reason"' not in page


# After the end: what a matching run does with the pupil


def _pupil_ended_with_the_better_ambassador(
    client: TestClient, db: Session, state: MatchState
) -> tuple[User, Scope, Pupil, int, int]:
    """A pupil whose match (or proposal) with the better-fitting of two ambassadors is ended."""
    school = make_school(db)
    user = counsellor(client, db, school)
    robots = make_interest(db, label_da="Robotter", label_en="Robots")
    htx = make_programme(db, code="HTX")
    pupil = make_pupil(db, school=school, questionnaire_completed_at=utcnow())
    make_pupil_interest(db, pupil=pupil, interest=robots)
    make_pupil_programme_interest(db, pupil=pupil, programme=htx, rank=1)
    better = make_ambassador(db, programme_id=htx.id, capacity=2)
    make_ambassador_interest(db, ambassador=better, interest=robots)
    other = make_ambassador(db, capacity=2)
    # Another pupil in scope, so that no run is without eligible pupils.
    make_pupil(db, school=school, questionnaire_completed_at=utcnow())
    match = make_match(db, pupil=pupil, ambassador=better, state=state)
    response = post_form(client, end_url(match), {"reason": "no_longer_wanted"})
    assert response.status_code == 303
    return user, Scope(school_ids=(school.id,)), pupil, better.id, other.id


def _proposed(db: Session, run_id: int) -> dict[int, int]:
    rows = db.execute(
        select(MatchRunPupil.pupil_id, MatchRunPupil.ambassador_id).where(
            MatchRunPupil.run_id == run_id, MatchRunPupil.ambassador_id.is_not(None)
        )
    )
    return {p: a for p, a in rows if a is not None}


def _age_the_end(db: Session, pupil: Pupil, days: int) -> None:
    for match in db.scalars(select(Match).where(Match.pupil_id == pupil.id)):
        assert match.closed_at is not None
        match.closed_at = utcnow() - timedelta(days=days)
    db.flush()


def test_a_closed_match_keeps_the_pupil_out_of_runs_until_the_buffer_has_passed(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user, scope, pupil, _, _ = _pupil_ended_with_the_better_ambassador(
        client, db, MatchState.ACCEPTED
    )
    buffer = settings.rematch_buffer_days

    run = runs.start_run(db, actor=user, scope=scope, fair_shares=False, settings=settings)
    assert pupil.id not in _proposed(db, run.id)

    _age_the_end(db, pupil, buffer - 1)
    run = runs.start_run(db, actor=user, scope=scope, fair_shares=False, settings=settings)
    assert pupil.id not in _proposed(db, run.id)

    _age_the_end(db, pupil, buffer + 1)
    run = runs.start_run(db, actor=user, scope=scope, fair_shares=False, settings=settings)
    assert pupil.id in _proposed(db, run.id)


@pytest.mark.parametrize("state", [MatchState.ACCEPTED, MatchState.PROPOSED])
def test_an_ended_pair_is_never_proposed_again(
    client: TestClient, db: Session, settings: Settings, state: MatchState
) -> None:
    user, scope, pupil, better, other = _pupil_ended_with_the_better_ambassador(client, db, state)
    _age_the_end(db, pupil, settings.rematch_buffer_days + 1)

    run = runs.start_run(db, actor=user, scope=scope, fair_shares=False, settings=settings)

    # The better-fitting ambassador is free, but the pair has ended once: the other one it is.
    assert _proposed(db, run.id)[pupil.id] == other
    assert better != other
