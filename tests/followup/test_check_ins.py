"""Check-ins with ambassadors: due dates at their edges, recording one, bad input, the settings,
who sees the notes, the scope, and a query count that does not grow with the matches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.followup import check_ins
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Ambassador,
    AmbassadorCheckIn,
    AuditEvent,
    CheckInChannel,
    Match,
    MatchState,
    Organisation,
    Role,
    User,
)
from tests.conftest import FakeClock, QueryCounter
from tests.factories import (
    make_ambassador,
    make_ambassador_check_in,
    make_counsellor_school,
    make_match,
    make_pupil,
    make_school,
    make_setting,
    make_user,
)
from tests.web import post_form, sign_in

# Tuesday 1 December 2026, 11:00 in Copenhagen.
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)
TODAY = date(2026, 12, 1)
PAGE = "/followup/check-ins"
SECRET_NOTE = "Papegøje: hemmelig note om ambassadøren"


@dataclass
class Setup:
    school: Organisation
    counsellor: User
    ambassador: Ambassador
    ambassador_user: User


@pytest.fixture
def s(db: Session, clock: FakeClock) -> Setup:
    clock.now = NOW
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    ambassador_user = make_user(db, role=Role.AMBASSADOR, full_name="Freja Skov")
    ambassador = make_ambassador(db, user=ambassador_user, capacity=5)
    return Setup(
        school=school, counsellor=counsellor, ambassador=ambassador, ambassador_user=ambassador_user
    )


def _accepted(db: Session, s: Setup, days_ago: int, first_name: str) -> Match:
    pupil = make_pupil(db, school=s.school, first_name=first_name)
    return make_match(
        db,
        pupil=pupil,
        ambassador=s.ambassador,
        state=MatchState.ACCEPTED,
        responded_at=NOW - timedelta(days=days_ago),
    )


def _row(page: str, match_id: int) -> str:
    found = re.search(rf'<tr id="match-{match_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, page
    return found.group(0)


def test_due_days_twice_in_the_first_month_then_monthly() -> None:
    plan = check_ins.Schedule()
    accepted = date(2026, 11, 1)
    assert check_ins.due_on(accepted_on=accepted, check_ins=0, last_on=None, plan=plan) == date(
        2026, 11, 8
    )
    assert check_ins.due_on(
        accepted_on=accepted, check_ins=1, last_on=date(2026, 11, 9), plan=plan
    ) == date(2026, 11, 22)
    assert check_ins.due_on(
        accepted_on=accepted, check_ins=2, last_on=date(2026, 11, 20), plan=plan
    ) == date(2026, 12, 20)
    assert check_ins.due_on(
        accepted_on=accepted, check_ins=5, last_on=date(2027, 2, 1), plan=plan
    ) == date(2027, 3, 3)


def test_overdue_first_and_the_due_day_itself_is_not_overdue(
    db: Session, client: TestClient, s: Setup
) -> None:
    on_the_day = _accepted(db, s, 7, "Alma")
    a_day_late = _accepted(db, s, 8, "Bertil")
    not_yet = _accepted(db, s, 3, "Cecilie")
    # Two check-ins, the last 30 days ago today: due today; 31 days ago: overdue.
    monthly_due = _accepted(db, s, 60, "Dagmar")
    for days_ago in (50, 30):
        make_ambassador_check_in(
            db, ambassador=s.ambassador, match=monthly_due, at=NOW - timedelta(days=days_ago)
        )
    monthly_late = _accepted(db, s, 60, "Erik")
    for days_ago in (50, 31):
        make_ambassador_check_in(
            db, ambassador=s.ambassador, match=monthly_late, at=NOW - timedelta(days=days_ago)
        )
    overview = check_ins.overview(db, s.counsellor, now=NOW)
    by_id = {item.match_id: item for item in overview.matches}
    assert by_id[on_the_day.id].due_on == TODAY
    assert by_id[on_the_day.id].due_today
    assert not by_id[on_the_day.id].overdue
    assert by_id[a_day_late.id].overdue
    assert by_id[a_day_late.id].days_overdue == 1
    assert not by_id[not_yet.id].overdue
    assert by_id[not_yet.id].due_on == TODAY + timedelta(days=4)
    assert by_id[monthly_due.id].due_today
    assert by_id[monthly_late.id].overdue
    assert (overview.overdue, overview.due_today, overview.total) == (2, 2, 5)

    sign_in(client, db, s.counsellor)
    page = client.get(PAGE).text
    assert "2 opfølgninger er forsinkede." in page
    assert "2 skal ske i dag." in page
    order = [int(n) for n in re.findall(r'<tr id="match-(\d+)"', page)]
    assert order[:2] == sorted([a_day_late.id, monthly_late.id], key=order.index)
    assert set(order[:2]) == {a_day_late.id, monthly_late.id}
    assert order[-1] == not_yet.id
    assert "Forsinket 1 dag" in _row(page, a_day_late.id)
    assert "Skal ske i dag" in _row(page, on_the_day.id)


def test_the_schedule_comes_from_the_settings(db: Session, s: Setup) -> None:
    match = _accepted(db, s, 5, "Alma")
    make_setting(db, key=check_ins.FIRST_MONTH_SETTING, value=[3, 10])
    make_setting(db, key=check_ins.INTERVAL_SETTING, value=14)
    assert check_ins.schedule(db) == check_ins.Schedule(first_month_days=(3, 10), interval_days=14)
    item = check_ins.overview(db, s.counsellor, now=NOW).matches[0]
    assert item.match_id == match.id
    assert item.days_overdue == 2


@pytest.mark.parametrize(
    ("first", "interval"),
    [("seven", 30), ([7, -1], 0), ([True], "30"), ({"a": 1}, 10_000), ([0], 1.5)],
)
def test_malformed_settings_fall_back_to_the_defaults(
    db: Session, first: object, interval: object
) -> None:
    make_setting(db, key=check_ins.FIRST_MONTH_SETTING, value=first)
    make_setting(db, key=check_ins.INTERVAL_SETTING, value=interval)
    assert check_ins.schedule(db) == check_ins.Schedule()


def test_recording_a_check_in_stores_it_audits_it_and_moves_the_due_day(
    db: Session, client: TestClient, s: Setup
) -> None:
    match = _accepted(db, s, 8, "Alma")
    sign_in(client, db, s.counsellor)
    response = post_form(
        client,
        PAGE,
        {
            "match_id": str(match.id),
            "date": TODAY.isoformat(),
            "channel": "phone",
            "note": SECRET_NOTE,
        },
        token_from=PAGE,
    )
    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    stored = db.scalars(select(AmbassadorCheckIn)).one()
    assert (stored.ambassador_id, stored.match_id, stored.staff_id) == (
        s.ambassador.id,
        match.id,
        s.counsellor.id,
    )
    assert stored.channel is CheckInChannel.PHONE
    assert stored.note == SECRET_NOTE
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "ambassador_check_in")
    ).one()
    assert event.pupil_id == match.pupil_id
    assert event.actor_id == s.counsellor.id
    row = _row(client.get(PAGE).text, match.id)
    assert "01.12.2026 (Telefon)" in row
    assert SECRET_NOTE in row
    # The second check-in of the first month: 21 days after acceptance.
    assert (NOW - timedelta(days=8) + timedelta(days=21)).astimezone(LOCAL_TIMEZONE).strftime(
        "%d.%m.%Y"
    ) in row


def test_an_earlier_day_can_be_recorded(db: Session, client: TestClient, s: Setup) -> None:
    match = _accepted(db, s, 8, "Alma")
    sign_in(client, db, s.counsellor)
    form = {"match_id": str(match.id), "date": "27.11.2026", "channel": "email"}
    assert post_form(client, PAGE, form, token_from=PAGE).status_code == 303
    stored = db.scalars(select(AmbassadorCheckIn)).one()
    assert stored.at.astimezone(LOCAL_TIMEZONE).date() == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"match_id": ""}, "match_id"),
        ({"match_id": "99999999999999999999"}, "match_id"),
        ({"match_id": str(2**31 + 1)}, "match_id"),
        ({"date": "2026-12-02"}, "date"),
        ({"date": "0001-01-01"}, "date"),
        ({"date": "i morgen\x00"}, "date"),
        ({"channel": "pigeon"}, "channel"),
        ({"note": "x" * 10_000}, "note"),
        ({"note": "nul\x00byte"}, "note"),
    ],
)
def test_bad_input_comes_back_with_the_message_and_nothing_is_written(
    db: Session, client: TestClient, s: Setup, change: dict[str, str], field: str
) -> None:
    match = _accepted(db, s, 8, "Alma")
    sign_in(client, db, s.counsellor)
    form = {"match_id": str(match.id), "date": TODAY.isoformat(), "channel": "phone", "note": "ok"}
    response = post_form(client, PAGE, form | change, token_from=PAGE)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert db.scalar(select(func.count(AmbassadorCheckIn.id))) == 0


def test_another_schools_match_is_neither_listed_nor_recordable(
    db: Session, client: TestClient, s: Setup
) -> None:
    elsewhere = make_school(db)
    foreign = make_match(
        db,
        pupil=make_pupil(db, school=elsewhere, first_name="Fremmed"),
        ambassador=s.ambassador,
        state=MatchState.ACCEPTED,
    )
    proposed = make_match(
        db, pupil=make_pupil(db, school=s.school, first_name="Foreslået"), ambassador=s.ambassador
    )
    sign_in(client, db, s.counsellor)
    page = client.get(PAGE).text
    assert "Fremmed" not in page
    assert "Foreslået" not in page
    for match in (foreign, proposed):
        form = {"match_id": str(match.id), "date": TODAY.isoformat(), "channel": "phone"}
        assert post_form(client, PAGE, form, token_from=PAGE).status_code == 422
    assert db.scalar(select(func.count(AmbassadorCheckIn.id))) == 0


def test_notes_are_for_counsellors_only(db: Session, client: TestClient, s: Setup) -> None:
    match = _accepted(db, s, 8, "Alma")
    make_ambassador_check_in(
        db, ambassador=s.ambassador, match=match, staff=s.counsellor, note=SECRET_NOTE
    )
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=s.school)
    sign_in(client, db, coordinator)
    assert client.get(PAGE).status_code == 403
    for path in ("/", "/followup/caseload", "/school/matches", f"/pupils/{match.pupil_id}"):
        assert SECRET_NOTE not in client.get(path).text
    client.cookies.clear()
    sign_in(client, db, s.ambassador_user)
    assert client.get(PAGE).status_code == 403
    for path in ("/", "/ambassador/mentees", "/ambassador/meetings", "/ambassador/certificate"):
        assert SECRET_NOTE not in client.get(path).text


def test_the_page_costs_the_same_queries_however_many_matches(
    db: Session, client: TestClient, s: Setup, query_counter: QueryCounter
) -> None:
    first = _accepted(db, s, 8, "Alma")
    make_ambassador_check_in(db, ambassador=s.ambassador, match=first, at=NOW)
    sign_in(client, db, s.counsellor)
    client.get(PAGE)
    query_counter.reset()
    assert client.get(PAGE).status_code == 200
    small = query_counter.count
    for n in range(12):
        ambassador = make_ambassador(db)
        match = make_match(
            db,
            pupil=make_pupil(db, school=s.school),
            ambassador=ambassador,
            state=MatchState.ACCEPTED,
            responded_at=NOW - timedelta(days=n * 5),
        )
        for k in range(n % 3):
            make_ambassador_check_in(
                db, ambassador=ambassador, match=match, at=NOW - timedelta(days=k)
            )
    query_counter.reset()
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.text.count('<tr id="match-') == 13
    assert query_counter.count == small


def test_the_list_searches_orders_and_pages_with_its_filters_in_the_url(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    for n in range(53):
        make_match(
            db,
            pupil=make_pupil(db, school=school, first_name=f"Elev{n:02d}"),
            state=MatchState.ACCEPTED,
        )
    sign_in(client, db, counsellor)
    first = client.get("/followup/check-ins").text
    assert 'href="/followup/check-ins?page=2"' in first
    found = client.get("/followup/check-ins", params={"q": "elev07"}).text
    assert "Elev07" in found
    assert "Elev08" not in found
    named = client.get("/followup/check-ins", params={"sort": "name", "page": "2"}).text
    assert "Elev52" in named
    assert "Elev00" not in named.split('id="due-heading"')[1]
