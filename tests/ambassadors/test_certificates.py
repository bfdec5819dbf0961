"""Certificates of an ambassador's contribution: the figures against hand-built meetings, issuing
and printing, the school's hand-over, and the municipality's public confirmation of a code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.ambassadors import certificates
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Ambassador,
    AmbassadorCertificate,
    Attendance,
    AuditEvent,
    MeetingState,
    Organisation,
    Role,
    User,
)
from tests.conftest import FakeClock
from tests.factories import (
    make_ambassador,
    make_institution,
    make_meeting,
    make_meeting_participant,
    make_programme,
    make_pupil,
    make_school,
    make_setting,
    make_user,
)
from tests.web import csrf_token, post_form, sign_in

# Tuesday 1 December 2026, 11:00 in Copenhagen.
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)
PAGE = "/ambassador/certificate"
CANARY = "Kanariefugl"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TIMEZONE).astimezone(UTC)


@dataclass
class Contribution:
    school: Organisation
    ambassador: Ambassador
    user: User
    other_ambassador: Ambassador


def _meeting(
    db: Session,
    ambassador: Ambassador,
    school: Organisation,
    starts_at: datetime,
    minutes: int,
    state: MeetingState,
    attendance: dict[int, Attendance],
) -> None:
    extra = (
        {"cancelled_at": starts_at - timedelta(days=1)} if state is MeetingState.CANCELLED else {}
    )
    meeting = make_meeting(
        db,
        ambassador=ambassador,
        school=school,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        state=state,
        **extra,
    )
    for pupil_id, present in attendance.items():
        make_meeting_participant(db, meeting=meeting, pupil_id=pupil_id, attendance=present)


@pytest.fixture
def c(db: Session, clock: FakeClock) -> Contribution:
    """Two held meetings in the school year (60 and 90 minutes; two distinct pupils present, one
    absent), a cancelled one, one held before the period, and one of another ambassador."""
    clock.now = NOW
    school = make_school(db, name="Sønderskov Skole")
    institution = make_institution(db, name="Haderslev Katedralskole")
    programme = make_programme(
        db, name_da="Studentereksamen (stx)", name_en="Upper secondary (stx)"
    )
    user = make_user(db, role=Role.AMBASSADOR, full_name="Freja Skov", organisation=institution)
    ambassador = make_ambassador(db, user=user, institution=institution, programme=programme)
    other = make_ambassador(db)
    canary = make_pupil(db, school=school, first_name=CANARY, last_name="Spurvehøg")
    second = make_pupil(db, school=school)
    third = make_pupil(db, school=school)
    present, absent = Attendance.PRESENT, Attendance.ABSENT
    _meeting(
        db, ambassador, school, local(2026, 10, 5, 14), 60, MeetingState.HELD,
        {canary.id: present, second.id: absent},
    )  # fmt: skip
    _meeting(
        db, ambassador, school, local(2026, 10, 12, 14), 90, MeetingState.HELD,
        {canary.id: present, third.id: present},
    )  # fmt: skip
    _meeting(
        db, ambassador, school, local(2026, 10, 19, 14), 60, MeetingState.CANCELLED,
        {second.id: present},
    )  # fmt: skip
    _meeting(
        db, ambassador, school, local(2026, 7, 20, 14), 60, MeetingState.HELD,
        {second.id: present},
    )  # fmt: skip
    _meeting(db, other, school, local(2026, 10, 6, 14), 60, MeetingState.HELD, {second.id: present})
    return Contribution(school=school, ambassador=ambassador, user=user, other_ambassador=other)


def _figure(page: str, name: str) -> str:
    found = re.search(rf'id="figure-{name}">([^<]*)<', page)
    assert found, page
    return found.group(1)


def _issue(client: TestClient, path: str = PAGE, **period: str) -> str:
    response = post_form(client, path, period, token_from=path)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_the_figures_count_held_meetings_present_pupils_and_their_minutes(
    db: Session, c: Contribution
) -> None:
    figures = certificates.contribution(
        db, ambassador_id=c.ambassador.id, period_from=date(2026, 8, 1), period_to=date(2026, 12, 1)
    )
    assert (figures.meetings, figures.pupils, figures.minutes) == (2, 2, 150)
    # The meeting of 20 July counts when the period starts in July; its pupil is a third one.
    summer = certificates.contribution(
        db,
        ambassador_id=c.ambassador.id,
        period_from=date(2026, 7, 20),
        period_to=date(2026, 10, 5),
    )
    assert (summer.meetings, summer.pupils, summer.minutes) == (2, 2, 120)


def test_the_page_shows_the_school_year_so_far_in_the_readers_decimal_mark(
    db: Session, client: TestClient, c: Contribution
) -> None:
    sign_in(client, db, c.user)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'value="2026-08-01"' in page.text
    assert 'value="2026-12-01"' in page.text
    assert (_figure(page.text, "meetings"), _figure(page.text, "pupils")) == ("2", "2")
    assert _figure(page.text, "hours") == "2,5"
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, PAGE)})
    assert _figure(client.get(PAGE).text, "hours") == "2.5"


def test_issuing_stores_the_figures_and_the_name_and_prints_them_in_both_languages(
    db: Session, client: TestClient, c: Contribution
) -> None:
    sign_in(client, db, c.user)
    location = _issue(client, period_from="2026-08-01", period_to="2026-12-01")
    code = location.rsplit("/", 1)[1]
    assert re.fullmatch(r"AMB-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    stored = db.scalars(
        select(AmbassadorCertificate).where(AmbassadorCertificate.code == code)
    ).one()
    assert (stored.name, stored.meetings, stored.pupils, stored.minutes) == (
        "Freja Skov",
        2,
        2,
        150,
    )
    assert (stored.period_from, stored.period_to) == (date(2026, 8, 1), date(2026, 12, 1))
    assert stored.issued_by_id == c.user.id
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "ambassador_certificate",
            AuditEvent.object_id == str(stored.id),
        )
    ).one()
    assert event.action == "create"
    assert event.pupil_id is None

    danish = client.get(location).text
    for text in ("Freja Skov", "Haderslev Kommune", "Studentereksamen (stx)", code, "2,5"):
        assert text in danish
    assert "01.08.2026" in danish
    english = client.get(f"{location}?lang=en").text
    for text in ("Certificate of contribution", "Haderslev Municipality", "Upper secondary (stx)"):
        assert text in english
    assert "2.5" in english
    assert f'href="{location}"' in client.get(PAGE).text


def test_no_pupil_is_named_on_any_certificate_page(
    db: Session, client: TestClient, c: Contribution
) -> None:
    sign_in(client, db, c.user)
    location = _issue(client)
    code = location.rsplit("/", 1)[1]
    pages = [
        client.get(PAGE).text,
        client.get(location).text,
        client.get(f"{location}?lang=en").text,
    ]
    client.cookies.clear()
    pages.append(client.get("/certificate/verify", params={"code": code}).text)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=c.school)
    sign_in(client, db, coordinator)
    pages.append(client.get("/school/certificates").text)
    pages.append(client.get(f"/school/certificates/ambassadors/{c.ambassador.id}").text)
    pages.append(client.get(f"/school/certificates/{code}").text)
    for page in pages:
        assert CANARY not in page
        assert "Spurvehøg" not in page
    # The pupils' school is not on the certificate either (the school's own pages name it in the
    # menu at most, so only the certificate and the public page are checked).
    for page in (pages[1], pages[2], pages[3]):
        assert "Sønderskov" not in page


def test_a_certificate_keeps_its_figures_as_issued(
    db: Session, client: TestClient, c: Contribution, clock: FakeClock
) -> None:
    sign_in(client, db, c.user)
    code = _issue(client).rsplit("/", 1)[1]
    _meeting(
        db, c.ambassador, c.school, local(2026, 11, 30, 14), 120, MeetingState.HELD,
        {make_pupil(db, school=c.school).id: Attendance.PRESENT},
    )  # fmt: skip
    client.cookies.clear()
    page = client.get("/certificate/verify", params={"code": code}).text
    assert "Freja Skov" in page
    assert "2,5" in page
    assert "4,5" not in page


def test_the_public_page_confirms_a_code_or_says_not_found(
    db: Session, client: TestClient, c: Contribution
) -> None:
    certificate = certificates.issue(
        db,
        actor=c.user,
        ambassador_id=c.ambassador.id,
        period_from=date(2026, 8, 1),
        period_to=date(2026, 12, 1),
        now=NOW,
    )
    found = client.get("/certificate/verify", params={"code": certificate.code})
    assert found.status_code == 200
    assert "Freja Skov" in found.text
    assert "01.08.2026" in found.text
    # Typed by hand: lower case and spaces around.
    loose = client.get("/certificate/verify", params={"code": f"  {certificate.code.lower()} "})
    assert "Freja Skov" in loose.text
    missing = client.get("/certificate/verify", params={"code": "AMB-AAAA-AAAA"})
    assert missing.status_code == 200
    assert "Intet bevis har denne kode" in missing.text
    assert "Freja Skov" not in missing.text
    empty = client.get("/certificate/verify")
    assert empty.status_code == 200
    assert "Intet bevis har denne kode" not in empty.text


@pytest.mark.parametrize(
    "code",
    [
        "AMB-\x00AAA-AAAA",
        "A" * 10_000,
        "AMB-ÆØÅ1-日本語",
        "' OR 1=1 --",
        "%00",
        "AMB-7K2Q-9XMD\x00",
    ],
)
def test_hostile_codes_are_not_found_never_an_error(client: TestClient, code: str) -> None:
    response = client.get("/certificate/verify", params={"code": code})
    assert response.status_code == 200
    assert "Intet bevis har denne kode" in response.text
    assert "\x00" not in response.text


def test_codes_avoid_characters_that_are_misread() -> None:
    codes = {certificates.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert certificates.CODE_PATTERN.fullmatch(code)
        assert not set(code[4:]) & set("0O1IL5S8B")


@pytest.mark.parametrize(
    ("period_from", "period_to", "field"),
    [
        ("2026-10-01", "2026-09-01", "period_to"),
        ("2026-08-01", "2027-01-01", "period_to"),
        ("0001-01-01", "2026-09-01", "period_from"),
        ("i går", "2026-09-01", "period_from"),
        ("2026-08-01", "\x00" * 20, "period_to"),
        ("9" * 10_000, "2026-09-01", "period_from"),
    ],
)
def test_a_bad_period_comes_back_with_the_message_and_nothing_is_issued(
    db: Session, client: TestClient, c: Contribution, period_from: str, period_to: str, field: str
) -> None:
    sign_in(client, db, c.user)
    response = post_form(
        client, PAGE, {"period_from": period_from, "period_to": period_to}, token_from=PAGE
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert db.scalar(select(AmbassadorCertificate.id)) is None
    shown = client.get(PAGE, params={"period_from": period_from, "period_to": period_to})
    assert shown.status_code == 422


def test_an_ambassador_cannot_open_another_ambassadors_certificate(
    db: Session, client: TestClient, c: Contribution
) -> None:
    theirs = certificates.issue(
        db,
        actor=c.user,
        ambassador_id=c.other_ambassador.id,
        period_from=date(2026, 8, 1),
        period_to=date(2026, 12, 1),
        now=NOW,
    )
    sign_in(client, db, c.user)
    assert client.get(f"{PAGE}/{theirs.code}").status_code == 404
    assert client.get(f"{PAGE}/not-a-code").status_code == 404


def test_a_coordinator_hands_over_certificates_to_ambassadors_who_met_the_schools_pupils(
    db: Session, client: TestClient, c: Contribution
) -> None:
    stranger = make_ambassador(db)
    elsewhere = make_school(db)
    _meeting(
        db, stranger, elsewhere, local(2026, 10, 7, 14), 60, MeetingState.HELD,
        {make_pupil(db, school=elsewhere).id: Attendance.PRESENT},
    )  # fmt: skip
    # Held at the school, but nobody came: not "met the school's pupils".
    no_show = make_ambassador(db)
    _meeting(
        db, no_show, c.school, local(2026, 10, 8, 14), 60, MeetingState.HELD,
        {make_pupil(db, school=c.school).id: Attendance.ABSENT},
    )  # fmt: skip
    coordinator = make_user(db, role=Role.COORDINATOR, organisation=c.school)
    sign_in(client, db, coordinator)
    listing = client.get("/school/certificates").text
    assert "Freja Skov" in listing
    stranger_name = db.get_one(User, stranger.user_id).full_name
    assert f"/school/certificates/ambassadors/{stranger.id}" not in listing
    assert f"/school/certificates/ambassadors/{no_show.id}" not in listing
    assert f"/school/certificates/ambassadors/{c.other_ambassador.id}" in listing
    path = f"/school/certificates/ambassadors/{c.ambassador.id}"
    location = _issue(client, path)
    assert location.startswith("/school/certificates/AMB-")
    printed = client.get(location).text
    assert "Freja Skov" in printed
    stored = db.scalars(select(AmbassadorCertificate)).one()
    assert stored.issued_by_id == coordinator.id
    assert stored.ambassador_id == c.ambassador.id

    # Another school's coordinator: neither the ambassador nor the certificate exists for them.
    client.cookies.clear()
    sign_in(client, db, make_user(db, role=Role.COORDINATOR, organisation=elsewhere))
    assert "Freja Skov" not in client.get("/school/certificates").text
    assert stranger_name in client.get("/school/certificates").text
    assert client.get(path).status_code == 404
    assert post_form(client, path, {}).status_code == 404
    assert client.get(location).status_code == 404
    assert client.get(f"/school/certificates/ambassadors/{2**31 + 5}").status_code == 404
    assert (
        db.scalar(select(AmbassadorCertificate.id).where(AmbassadorCertificate.id != stored.id))
        is None
    )


def test_the_municipality_setting_names_the_issuer(
    db: Session, client: TestClient, c: Contribution
) -> None:
    make_setting(db, key=certificates.MUNICIPALITY_SETTING, value="Aabenraa")
    sign_in(client, db, c.user)
    location = _issue(client)
    assert "Aabenraa Kommune" in client.get(location).text
