"""The re-match queue: which pupils are in it (hand-built cases, edges included), the page,
its paging and its queries, and its agreement with the matcher's buffer."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.matches.features import Scope, eligible_pupils
from mentor.matches.rematch import needs_rematch, rematch_queue
from mentor.models import (
    CloseReason,
    MatchState,
    Organisation,
    Pupil,
    PupilStatus,
    Role,
    User,
)
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_match,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import post_form, sign_in

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _counsellor(db: Session, school: Organisation) -> User:
    user = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=user, school=school)
    return user


def _closed(
    db: Session, pupil: Pupil, reason: CloseReason, *, days_ago: float = 1, **extra: object
) -> None:
    closed_at = FakeClock().now - timedelta(days=days_ago)
    make_match(
        db,
        pupil=pupil,
        state=MatchState.CLOSED,
        close_reason=reason,
        closed_at=closed_at,
        proposed_at=closed_at - timedelta(days=30),
        responded_at=closed_at - timedelta(days=29),
        **extra,
    )


def _queue_ids(db: Session, user: User) -> list[int]:
    return [pupil.id for pupil, _ in db.execute(rematch_queue(user)).tuples()]


def test_the_reason_decides_whether_the_pupil_is_re_matched() -> None:
    assert [r.value for r in CloseReason if needs_rematch(r)] == ["ambassador_left", "other"]


def test_the_queue_holds_the_pupils_whose_latest_match_closed_for_a_re_match_reason(
    db: Session,
) -> None:
    school = make_school(db)
    counsellor = _counsellor(db, school)
    left = make_pupil(db, school=school)
    _closed(db, left, CloseReason.AMBASSADOR_LEFT, days_ago=3)
    other = make_pupil(db, school=school)
    _closed(db, other, CloseReason.OTHER, days_ago=5, close_note="Kemien passede ikke.")
    for reason in (CloseReason.APPLIED, CloseReason.MOVED, CloseReason.NO_LONGER_WANTED):
        _closed(db, make_pupil(db, school=school), reason)
    # Proposed again: the new proposal is the latest match, and it is open.
    again = make_pupil(db, school=school)
    _closed(db, again, CloseReason.AMBASSADOR_LEFT, days_ago=20)
    make_match(db, pupil=again, state=MatchState.PROPOSED)
    # Proposed again and declined: no longer a closed match waiting (the pool has the pupil).
    declined = make_pupil(db, school=school)
    _closed(db, declined, CloseReason.AMBASSADOR_LEFT, days_ago=20)
    make_match(db, pupil=declined, state=MatchState.DECLINED)
    # Archived; another counsellor's school; a proposal withdrawn (never accepted).
    archived = make_pupil(db, school=school, status=PupilStatus.ARCHIVED)
    _closed(db, archived, CloseReason.AMBASSADOR_LEFT)
    _closed(db, make_pupil(db), CloseReason.AMBASSADOR_LEFT)
    withdrawn = make_pupil(db, school=school)
    make_match(
        db,
        pupil=withdrawn,
        state=MatchState.WITHDRAWN,
        closed_at=FakeClock().now,
        close_reason=CloseReason.AMBASSADOR_LEFT,
    )

    # The longest waiting first.
    assert _queue_ids(db, counsellor) == [other.id, left.id]
    # Nobody else has a caseload.
    coordinator = make_user(db, role=Role.COORDINATOR, organisation_id=school.id)
    assert _queue_ids(db, coordinator) == []


def test_a_counsellor_ending_a_match_puts_the_pupil_in_the_queue(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    counsellor = _counsellor(db, school)
    pupil = make_pupil(db, school=school, first_name="Aksel")
    stays = make_pupil(db, school=school, first_name="Bertil")
    ambassador = make_ambassador(db)
    match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
    done = make_match(db, pupil=stays, ambassador=ambassador, state=MatchState.ACCEPTED)
    sign_in(client, db, counsellor)
    for p, m, reason in ((pupil, match, "ambassador_left"), (stays, done, "applied")):
        response = post_form(client, f"/pupils/{p.id}/matches/{m.id}/end", {"reason": reason})
        assert response.status_code == 303

    page = client.get("/followup/rematch")
    assert page.status_code == 200
    assert f'href="/pupils/{pupil.id}"' in page.text
    assert "Ambassadøren er stoppet" in page.text
    assert f"/pupils/{stays.id}" not in page.text
    assert "1 elev, hvis match er afsluttet" in page.text


def test_the_queue_agrees_with_the_matchers_buffer(
    db: Session, client: TestClient, clock: FakeClock
) -> None:
    school = make_school(db)
    counsellor = _counsellor(db, school)
    pupil = make_pupil(db, school=school, questionnaire_completed_at=clock.now)
    _closed(db, pupil, CloseReason.AMBASSADOR_LEFT, days_ago=0)
    buffer_days = client.app.state.settings.rematch_buffer_days  # type: ignore[attr-defined]
    scope = Scope(school_ids=(school.id,))

    def eligible(now_days: float) -> bool:
        query = eligible_pupils(
            scope, now=clock.now + timedelta(days=now_days), buffer_days=buffer_days
        )
        return pupil.id in db.scalars(query.with_only_columns(Pupil.id)).all()

    assert _queue_ids(db, counsellor) == [pupil.id]
    assert not eligible(buffer_days - 0.01)
    assert eligible(buffer_days + 0.01)
    sign_in(client, db, counsellor)
    page = client.get("/followup/rematch").text
    proposable = (clock.now + timedelta(days=buffer_days)).astimezone(COPENHAGEN)
    assert "Kan foreslås fra" in page
    assert f"{proposable:%d.%m.%Y}" in page


def _fill(db: Session, school: Organisation, count: int) -> None:
    for n in range(count):
        _closed(db, make_pupil(db, school=school), CloseReason.OTHER, days_ago=100 - n * 0.5)


def test_the_page_is_paged_fifty_at_a_time_oldest_first(db: Session, client: TestClient) -> None:
    school = make_school(db)
    counsellor = _counsellor(db, school)
    _fill(db, school, 51)
    ids = _queue_ids(db, counsellor)
    assert len(ids) == 51
    sign_in(client, db, counsellor)
    first = client.get("/followup/rematch").text
    assert f'href="/pupils/{ids[0]}"' in first
    assert f'href="/pupils/{ids[49]}"' in first
    assert f'href="/pupils/{ids[50]}"' not in first
    assert "Side 1 af 2" in first
    assert 'href="/followup/rematch?page=2"' in first
    second = client.get("/followup/rematch?page=2").text
    assert f'href="/pupils/{ids[50]}"' in second
    assert f'href="/pupils/{ids[0]}"' not in second
    # Hand-made pages: never an error.
    for page in ("0", "-1", "abc", "99999999999999999999", "3", "\x00"):
        assert client.get("/followup/rematch", params={"page": page}).status_code == 200


def test_the_page_costs_the_same_queries_however_long_the_queue(
    db: Session, client: TestClient, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    counsellor = _counsellor(db, school)
    _fill(db, school, 2)
    sign_in(client, db, counsellor)
    client.get("/followup/rematch")
    query_counter.reset()
    assert client.get("/followup/rematch").status_code == 200
    few = query_counter.count
    _fill(db, school, 40)
    query_counter.reset()
    assert client.get("/followup/rematch").status_code == 200
    assert query_counter.count == few


def test_only_counsellors_see_the_queue(db: Session, client: TestClient) -> None:
    school = make_school(db)
    for role in (Role.COORDINATOR, Role.AMBASSADOR, Role.ADMIN):
        sign_in(client, db, make_user(db, role=role))
        assert client.get("/followup/rematch").status_code == 403
    assert db.scalar(select(Organisation.id).where(Organisation.id == school.id))


def test_the_list_searches_orders_and_filters_in_the_url_and_the_dashboard_counts_it(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    counsellor = _counsellor(db, school)
    for n, name in enumerate(("Åse", "Bo", "Cecilie")):
        _closed(
            db, make_pupil(db, school=school, first_name=name), CloseReason.OTHER, days_ago=30 - n
        )
    sign_in(client, db, counsellor)
    found = client.get("/followup/rematch", params={"q": "åse"}).text
    assert "Åse" in found
    assert "Cecilie" not in found
    named = client.get("/followup/rematch", params={"sort": "name"}).text
    assert named.index("Bo") < named.index("Cecilie")
    newest = client.get("/followup/rematch", params={"sort": "newest"}).text
    assert newest.index("Cecilie") < newest.index("Åse")
    other = make_school(db)
    make_counsellor_school(db, counsellor=counsellor, school=other)
    assert "Åse" not in client.get("/followup/rematch", params={"school": other.id}).text
    dashboard = client.get("/followup").text
    assert (
        'href="/followup/rematch">Venter på en ny ambassadør</a></th>\n    <td>3</td>' in dashboard
    )
