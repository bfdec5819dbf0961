"""The pupil page, editing and archiving: what it shows, what it writes, and the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import (
    AuditEvent,
    CloseReason,
    ConsentState,
    MatchState,
    MeetingState,
    Organisation,
    Pupil,
    PupilStatus,
    Role,
    User,
)
from tests.conftest import QueryCounter
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_interest,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_programme,
    make_pupil,
    make_pupil_interest,
    make_pupil_programme_interest,
    make_school,
    make_user,
)
from tests.web import log_in_as, post_form

LOCATION = re.compile(r"<td>(Lokale \d+)</td>")


def events(db: Session, pupil: Pupil, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.pupil_id == pupil.id).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.scalars(query))


def coordinator(client: TestClient, db: Session, school: Organisation) -> User:
    return log_in_as(client, db, Role.COORDINATOR, organisation=school)


def counsellor(client: TestClient, db: Session, school: Organisation) -> User:
    user = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=user, school=school)
    return user


EDIT = {
    "first_name": "Ida Marie",
    "last_name": "Østergaard",
    "grade": "9",
    "class_name": "9.b",
    "birth_year": "2011",
    "guardian_name": "Karen Østergaard",
    "guardian_email": "Karen@Example.dk",
    "guardian_phone": "+45 20 30 40 50",
    "email": "ida@skole.dk",
    "language_da": "1",
    "language_ar": "1",
}


def test_the_pupil_page_shows_everything_and_each_view_is_audited(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    recorder = make_user(db, role=Role.COORDINATOR, organisation=school, full_name="Lene Skov")
    pupil = make_pupil(
        db,
        school=school,
        first_name="Freja",
        last_name="Bæk",
        languages=["da", "ar"],
        consent_recorded_by=recorder,
        consent_given_by="Hans Bæk",
        conversation_wish="Hvordan er det at gå på HTX?",
    )
    make_pupil_interest(db, pupil=pupil, interest=make_interest(db, label_da="Musik"))
    stx = make_programme(db, code="STX-X", name_da="Almen studentereksamen")
    htx = make_programme(db, code="HTX-X", name_da="Højere teknisk eksamen")
    make_pupil_programme_interest(db, pupil=pupil, programme=htx, rank=2)
    make_pupil_programme_interest(db, pupil=pupil, programme=stx, rank=1)
    user = coordinator(client, db, school)

    page = client.get(f"/pupils/{pupil.id}")
    client.get(f"/pupils/{pupil.id}")

    assert page.status_code == 200
    text = page.text
    for expected in (
        "Freja Bæk",
        school.name,
        pupil.school_ref,
        "Hans Bæk",
        "Papirslip",
        "Lene Skov",
        "Givet",
        "Musik",
        "Hvordan er det at gå på HTX?",
        "arabisk",
        "Eleven er endnu ikke foreslået til en ambassadør.",
        "Ingen møder endnu.",
    ):
        assert expected in text, expected
    assert text.index("Almen studentereksamen") < text.index("Højere teknisk eksamen")
    reads = events(db, pupil, "read")
    assert len(reads) == 2
    assert {(e.actor_id, e.object_type, e.object_id) for e in reads} == {
        (user.id, "pupil", str(pupil.id))
    }


def test_match_and_meeting_history_are_listed(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    old = make_match(db, pupil=pupil, state=MatchState.DECLINED)
    current = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    meeting = make_meeting(db, ambassador_id=current.ambassador_id, state=MeetingState.HELD)
    make_meeting_participant(db, meeting=meeting, pupil=pupil, match=current)
    coordinator(client, db, school)

    text = client.get(f"/pupils/{pupil.id}").text

    assert "Afvist" in text
    assert "Accepteret" in text
    assert old.id != current.id
    assert meeting.location in text
    assert "Holdt" in text


def test_the_pupil_page_costs_the_same_queries_however_much_history(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    coordinator(client, db, school)
    small = make_pupil(db, school=school)
    big = make_pupil(db, school=school)
    for _ in range(4):
        make_pupil_interest(db, pupil=big)
        make_match(db, pupil=big, state=MatchState.DECLINED)
        make_meeting_participant(db, pupil=big)
    for rank in range(1, 5):
        make_pupil_programme_interest(db, pupil=big, rank=rank)

    query_counter.reset()
    assert client.get(f"/pupils/{small.id}").status_code == 200
    few = query_counter.count
    query_counter.reset()
    assert client.get(f"/pupils/{big.id}").status_code == 200
    assert query_counter.count == few, query_counter.statements


def test_the_newest_fifty_meetings_are_listed_and_cost_what_two_do(
    client: TestClient, db: Session, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    coordinator(client, db, school)
    pupil = make_pupil(db, school=school)
    ambassador = make_ambassador(db)
    start = utcnow() - timedelta(days=400)

    def meetings(days: range) -> None:
        for day in days:
            meeting = make_meeting(
                db,
                ambassador=ambassador,
                school=school,
                state=MeetingState.HELD,
                starts_at=start + timedelta(days=day),
                ends_at=start + timedelta(days=day, hours=1),
                location=f"Lokale {day}",
            )
            make_meeting_participant(db, meeting=meeting, pupil=pupil)

    def meetings_section() -> str:
        page = client.get(f"/pupils/{pupil.id}")
        assert page.status_code == 200
        section = page.text[page.text.index('id="meetings-heading"') :]
        return section[: section.index("</section>")]

    meetings(range(2))
    query_counter.reset()
    few = meetings_section()
    few_queries = query_counter.count
    meetings(range(2, 51))
    query_counter.reset()
    many = meetings_section()

    assert query_counter.count == few_queries, query_counter.statements
    assert LOCATION.findall(few) == ["Lokale 1", "Lokale 0"]
    assert "nyeste møder" not in few
    # The newest fifty, newest first: not the oldest, "Lokale 0".
    assert LOCATION.findall(many) == [f"Lokale {day}" for day in range(50, 0, -1)]
    assert "Kun de 50 nyeste møder vises." in many


def test_a_coordinator_edits_a_pupil(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, grade=8, last_school_year=2028)
    user = coordinator(client, db, school)
    assert client.get(f"/pupils/{pupil.id}/edit").status_code == 200

    response = post_form(client, f"/pupils/{pupil.id}/edit", EDIT)

    assert response.status_code == 303
    assert response.headers["location"] == f"/pupils/{pupil.id}"
    db.refresh(pupil)
    assert (pupil.first_name, pupil.last_name, pupil.grade) == ("Ida Marie", "Østergaard", 9)
    assert pupil.class_name == "9.b"
    assert pupil.guardian_email == "karen@example.dk"
    assert pupil.languages == ["da", "ar"]
    assert pupil.last_school_year == 2027  # one grade up: leaves a year earlier
    assert pupil.sort_name.startswith("ida marie |sterg}rd")
    assert "Ida Marie Østergaard blev gemt." in client.get(f"/pupils/{pupil.id}").text
    [update] = events(db, pupil, "update")
    assert update.actor_id == user.id
    assert update.details is not None
    assert "first_name" in update.details["fields"]
    assert "Ida" not in str(update.details)  # which fields changed, never their values


def test_bad_input_comes_back_with_the_values_and_writes_nothing(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Uændret")
    coordinator(client, db, school)
    bad = EDIT | {"first_name": "", "guardian_email": "ikke-en-adresse", "grade": "12"}
    bad |= {"birth_year": "1950", "guardian_phone": "ring til mor"}

    response = post_form(client, f"/pupils/{pupil.id}/edit", bad)

    assert response.status_code == 422
    assert "Feltet skal udfyldes." in response.text
    assert 'value="ikke-en-adresse"' in response.text
    assert 'value="ring til mor"' in response.text
    db.refresh(pupil)
    assert pupil.first_name == "Uændret"
    assert events(db, pupil, "update") == []

    bad_year = post_form(client, f"/pupils/{pupil.id}/edit", EDIT | {"birth_year": "1950"})
    assert bad_year.status_code == 422
    assert "Skriv et fødselsår mellem" in bad_year.text
    bad_phone = post_form(client, f"/pupils/{pupil.id}/edit", EDIT | {"guardian_phone": "12"})
    assert bad_phone.status_code == 422
    assert "+45 12 34 56 78" in bad_phone.text


def test_only_a_counsellor_sets_the_priority(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, priority=False)
    coordinator(client, db, school)
    assert 'name="priority"' not in client.get(f"/pupils/{pupil.id}/edit").text
    assert post_form(client, f"/pupils/{pupil.id}/edit", EDIT | {"priority": "1"}).is_redirect
    db.refresh(pupil)
    assert pupil.priority is False  # a coordinator's form has no such field; a sent one is ignored

    client.cookies.clear()
    counsellor(client, db, school)
    assert 'name="priority"' in client.get(f"/pupils/{pupil.id}/edit").text
    assert post_form(client, f"/pupils/{pupil.id}/edit", EDIT | {"priority": "1"}).is_redirect
    db.refresh(pupil)
    assert pupil.priority is True


def test_the_reasons_for_a_proposal_name_the_pupil_and_the_ambassador(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Ali")
    ambassador = make_ambassador(
        db, user=make_user(db, role=Role.AMBASSADOR, full_name="Sara Jensen")
    )
    make_match(
        db,
        pupil=pupil,
        ambassador=ambassador,
        explanation={
            "reasons": [
                {
                    "feature": "interest_similarity",
                    "contribution": 0.3,
                    "facts": {"shared_interests": [{"da": "musik", "en": "music"}]},
                },
                {
                    "feature": "programme_fit",
                    "contribution": 0.1,
                    "facts": {
                        "programme": "HTX",
                        "family": "gymnasial",
                        "wished_programmes": ["STX"],
                    },
                },
                # An older row's bare feature: no claim without its fact.
                {"feature": "availability_overlap", "contribution": 0.15},
            ]
        },
    )
    counsellor(client, db, school)

    page = client.get(f"/pupils/{pupil.id}").text
    main = page[page.index("<main") : page.index("</main>")]

    assert "Ali og Sara Jensen deler interessen for »musik«." in main
    assert "Sara Jensen går på HTX, en gymnasial uddannelse ligesom STX, som Ali overvejer." in main
    assert "I har fri på de samme tidspunkter." not in main


def test_archiving_ends_an_open_match_and_restoring_brings_the_pupil_back(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Mads", last_name="Holm")
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    user = counsellor(client, db, school)

    archived = post_form(client, f"/pupils/{pupil.id}/archive", {"confirmed": "1"})

    assert archived.status_code == 303
    db.refresh(pupil)
    db.refresh(match)
    assert pupil.status is PupilStatus.ARCHIVED
    assert match.state is MatchState.CLOSED
    assert match.close_reason is CloseReason.OTHER
    assert match.closed_by_id == user.id
    assert "Mads Holm blev arkiveret" in client.get(f"/pupils/{pupil.id}").text
    assert "Mads Holm" not in client.get("/pupils").text
    assert "Mads Holm" in client.get("/pupils?archived=1").text

    assert post_form(client, f"/pupils/{pupil.id}/restore", {}).status_code == 303
    db.refresh(pupil)
    assert pupil.status is PupilStatus.ACTIVE
    assert pupil.consent_state is ConsentState.GIVEN
    statuses = [
        e.details["status"]
        for e in events(db, pupil, "update")
        if e.object_type == "pupil" and e.details
    ]
    assert statuses[0] == "archived"
    assert statuses[-1] == "active"
