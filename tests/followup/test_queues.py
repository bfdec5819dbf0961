"""The counsellor's queues: each count against hand-built data, the edges at exactly N days, the
lists' search, order, school and pages in the URL, scope, thresholds, and bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.followup.queue_counts import counts
from mentor.followup.queues import QueueKey, Thresholds, save_thresholds
from mentor.models import (
    Attendance,
    ConsentState,
    FollowUpPriority,
    MatchState,
    MeetingState,
    Organisation,
    Role,
    User,
)
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_feedback,
    make_match,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import post_form, sign_in

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _counsellor(db: Session) -> tuple[User, Organisation]:
    counsellor = make_user(db, role=Role.COUNSELLOR)
    school = make_school(db)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    return counsellor, school


def _counts(db: Session, user: User, settings: Settings) -> dict[QueueKey, int]:
    return {q.key: q.count for q in counts(db, user=user, now=NOW, settings=settings)[1]}


def test_each_queue_counts_what_it_says_with_its_edges(db: Session, settings: Settings) -> None:
    counsellor, school = _counsellor(db)
    other_school = make_school(db)
    chosen = Thresholds()
    # Consent and questionnaire.
    make_pupil(
        db,
        school=school,
        consent_state=ConsentState.MISSING,
        consent_at=None,
        consent_method=None,
        consent_given_by=None,
    )
    make_pupil(db, school=school, questionnaire_completed_at=None)
    # Eligible and unmatched; one elsewhere (not this counsellor's) and one archived.
    waiting = make_pupil(db, school=school, questionnaire_completed_at=NOW - 3 * DAY)
    make_pupil(db, school=other_school, questionnaire_completed_at=NOW)
    make_pupil(db, school=school, status="archived", questionnaire_completed_at=NOW)
    # Proposals: exactly N days is waiting too long; a second less is not.
    exactly = make_match(
        db,
        pupil=make_pupil(db, school=school, questionnaire_completed_at=NOW),
        proposed_at=NOW - chosen.proposal_days * DAY,
    )
    make_match(
        db,
        pupil=make_pupil(db, school=school, questionnaire_completed_at=NOW),
        proposed_at=NOW - chosen.proposal_days * DAY + timedelta(seconds=1),
    )
    # Accepted: no meeting N days after the yes (in); one with a meeting booked (out).
    lonely = make_match(
        db,
        pupil=make_pupil(db, school=school, questionnaire_completed_at=NOW),
        state=MatchState.ACCEPTED,
        responded_at=NOW - chosen.first_meeting_days * DAY,
    )
    busy = make_match(
        db,
        pupil=make_pupil(db, school=school, questionnaire_completed_at=NOW),
        state=MatchState.ACCEPTED,
        responded_at=NOW - 30 * DAY,
    )
    booked = make_meeting(db, ambassador_id=busy.ambassador_id, school=school, starts_at=NOW + DAY)
    make_meeting_participant(db, meeting=booked, pupil_id=busy.pupil_id, match=busy)
    # Meetings: ended exactly N days ago without a log (in); ended with a log (out).
    ambassador = make_ambassador(db)
    unlogged = make_meeting(
        db,
        ambassador=ambassador,
        school=school,
        starts_at=NOW - chosen.log_days * DAY - timedelta(hours=1),
    )
    make_meeting_participant(db, meeting=unlogged, pupil_id=lonely.pupil_id)
    logged = make_meeting(
        db, ambassador=ambassador, school=school, starts_at=NOW - 9 * DAY, state=MeetingState.HELD
    )
    make_meeting_participant(
        db, meeting=logged, pupil_id=exactly.pupil_id, attendance=Attendance.PRESENT
    )
    make_meeting_log(
        db,
        meeting=logged,
        needs_follow_up=True,
        follow_up_priority=FollowUpPriority.HIGH,
        follow_up_reason="Tvivl",
        logged_at=NOW - 9 * DAY,
    )
    # Feedback: 2 within the window (in), 3 (out), 1 too old (out).
    make_feedback(db, meeting=logged, pupil_id=exactly.pupil_id, rating=2, submitted_at=NOW - DAY)
    make_feedback(db, meeting=logged, pupil_id=waiting.id, rating=3, submitted_at=NOW - DAY)
    make_feedback(
        db,
        meeting=logged,
        pupil_id=busy.pupil_id,
        rating=1,
        submitted_at=NOW - (chosen.low_feedback_days + 1) * DAY,
    )
    # A børneattest due for a re-check, of an ambassador who mentors here.
    make_ambassador(db, child_certificate_assessed_at=NOW - 800 * DAY, user=None)

    found = _counts(db, counsellor, settings)
    assert found[QueueKey.NO_CONSENT] == 1
    assert found[QueueKey.UNANSWERED] == 1
    assert found[QueueKey.NO_MEETING] == 1
    assert found[QueueKey.NOT_LOGGED] == 1
    assert found[QueueKey.FLAGS] == 1
    assert found[QueueKey.LOW_FEEDBACK] == 1
    # waiting + the no-questionnaire pupil (consent given by default); others have open matches.
    assert found[QueueKey.UNMATCHED] == 2
    assert found[QueueKey.NO_QUESTIONNAIRE] == 2
    assert found[QueueKey.CERTIFICATE] == 0


def test_the_certificate_queue_names_ambassadors_who_mentor_here(
    db: Session, settings: Settings
) -> None:
    counsellor, school = _counsellor(db)
    due = make_ambassador(db, child_certificate_assessed_at=NOW - 710 * DAY)
    fresh = make_ambassador(db, child_certificate_assessed_at=NOW - 100 * DAY)
    elsewhere = make_ambassador(db, child_certificate_assessed_at=NOW - 900 * DAY)
    make_match(db, ambassador=due, pupil=make_pupil(db, school=school), state="accepted")
    make_match(db, ambassador=fresh, pupil=make_pupil(db, school=school), state="accepted")
    make_match(db, ambassador=elsewhere, pupil=make_pupil(db), state="accepted")
    assert _counts(db, counsellor, settings)[QueueKey.CERTIFICATE] == 1


def test_the_dashboard_shows_counts_and_red_flags_and_is_for_counsellors(
    db: Session, client: TestClient, clock: FakeClock, settings: Settings
) -> None:
    clock.now = NOW
    counsellor, school = _counsellor(db)
    meeting = make_meeting(db, school=school, starts_at=NOW - 20 * DAY, state=MeetingState.HELD)
    make_meeting_participant(
        db, meeting=meeting, pupil=make_pupil(db, school=school), attendance=Attendance.PRESENT
    )
    make_meeting_log(
        db,
        meeting=meeting,
        needs_follow_up=True,
        follow_up_priority=FollowUpPriority.HIGH,
        follow_up_reason="Tvivl",
        logged_at=NOW - 8 * DAY,
    )
    sign_in(client, db, counsellor)
    page = client.get("/followup")
    assert page.status_code == 200
    assert "Opfølgningsflag" in page.text
    assert '<strong class="overdue">1</strong>' in page.text
    listed = client.get("/followup/queues/flags")
    assert 'class="overdue-row"' in listed.text
    for role in (Role.COORDINATOR, Role.AMBASSADOR, Role.ADMIN):
        client.cookies.clear()
        sign_in(client, db, make_user(db, role=role))
        assert client.get("/followup").status_code == 403
        assert client.get("/followup/queues/flags").status_code == 403


def test_a_list_searches_orders_filters_and_pages_in_the_url(
    db: Session, client: TestClient, clock: FakeClock
) -> None:
    clock.now = NOW
    counsellor, school = _counsellor(db)
    second = make_school(db)
    make_counsellor_school(db, counsellor=counsellor, school=second)
    for n in range(55):
        make_pupil(
            db,
            school=school if n % 2 else second,
            first_name=f"Elev{n:02d}",
            last_name="Hansen",
            consent_state=ConsentState.MISSING,
            consent_at=None,
            consent_method=None,
            consent_given_by=None,
            created_at=NOW - (60 - n) * DAY,
        )
    sign_in(client, db, counsellor)
    base = "/followup/queues/no-consent"
    first = client.get(base).text
    assert "55 i listen" in first
    assert first.index("Elev00") < first.index("Elev02")  # oldest first
    assert "Elev54" not in first  # page 2
    assert "Elev54" in client.get(f"{base}?page=2").text
    newest = client.get(f"{base}?sort=newest").text
    assert newest.index("Elev54") < newest.index("Elev52")
    found = client.get(f"{base}?q=elev07").text
    assert "1 i listen" in found
    assert "Elev07" in found
    only = client.get(f"{base}?school={school.id}").text
    assert "27 i listen" in only
    assert 'href="/followup/queues/no-consent?school=' in only
    # Hostile URLs fall back to the defaults: never a 5xx.
    for query in ("page=99999999999", "sort=%00", "school=99999999999999", "q=" + "x" * 10_000):
        assert client.get(f"{base}?{query}").status_code == 200
    assert client.get("/followup/queues/nonsense").status_code == 404


def test_the_dashboard_and_a_list_cost_the_same_queries_at_two_sizes(
    db: Session, client: TestClient, clock: FakeClock, query_counter: QueryCounter
) -> None:
    clock.now = NOW
    counsellor, school = _counsellor(db)

    def grow(n: int) -> None:
        for _ in range(n):
            pupil = make_pupil(db, school=school, questionnaire_completed_at=None)
            make_match(db, pupil=pupil, proposed_at=NOW - 10 * DAY)

    sign_in(client, db, counsellor)
    measured = []
    for size in (2, 20):
        grow(size)
        for path in ("/followup", "/followup/queues/unanswered"):
            client.get(path)
            query_counter.reset()
            assert client.get(path).status_code == 200
            measured.append(query_counter.count)
    assert measured[:2] == measured[2:]


def test_the_admin_sets_the_thresholds(db: Session, client: TestClient, settings: Settings) -> None:
    admin = make_user(db, role=Role.ADMIN)
    sign_in(client, db, admin)
    assert client.get("/admin/follow-up").status_code == 200
    bad = post_form(
        client,
        "/admin/follow-up",
        dict.fromkeys(Thresholds.names(), "abc"),
        token_from="/admin/follow-up",
    )
    assert bad.status_code == 422
    assert 'id="proposal_days-error"' in bad.text
    good = dict.fromkeys(Thresholds.names(), "9")
    assert (
        post_form(client, "/admin/follow-up", good, token_from="/admin/follow-up").status_code
        == 303
    )
    counsellor, _ = _counsellor(db)
    label = counts(db, user=counsellor, now=NOW, settings=settings)[1]
    assert any("9 dage" in q.label or "9 days" in q.label for q in label)
    save_thresholds(db, actor=admin, chosen=Thresholds(proposal_days=1))
    client.cookies.clear()
    sign_in(client, db, counsellor)
    assert client.get("/admin/follow-up").status_code == 403


@pytest.mark.parametrize("key", list(QueueKey))
def test_every_list_renders_for_a_counsellor(
    db: Session, client: TestClient, clock: FakeClock, key: QueueKey
) -> None:
    clock.now = NOW
    counsellor, _ = _counsellor(db)
    sign_in(client, db, counsellor)
    assert client.get(f"/followup/queues/{key.value}").status_code == 200
