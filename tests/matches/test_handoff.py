"""The handoff after accept, over HTTP: who is told, the school's list and note, the mentee card,
the home-page lines, and the ambassador told when a match ends."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import (
    Ambassador,
    AuditEvent,
    CloseReason,
    ConsentMethod,
    ConsentState,
    Locale,
    Match,
    MatchState,
    Organisation,
    OutboxEmail,
    Pupil,
    Role,
    User,
)
from mentor.pupils.consent import local_today, withdraw_consent
from mentor.web.middleware import LOCALE_COOKIE
from tests.conftest import FakeClock, QueryCounter, SmtpServer
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_institution,
    make_match,
    make_programme,
    make_pupil,
    make_school,
    make_user,
)
from tests.web import post_form, sign_in

PAGE = "/school/matches"
MENTEES = "/ambassador/mentees"


def _ambassador(db: Session, *, full_name: str = "Freja Holm Zeuthen") -> Ambassador:
    user = make_user(db, role=Role.AMBASSADOR, full_name=full_name)
    return make_ambassador(
        db,
        user=user,
        programme=make_programme(db, name_da="Teknisk gymnasium", name_en="Technical upper sec"),
        institution=make_institution(db, name="Haderslev Tekniske Skole"),
    )


def _coordinator(db: Session, school: Organisation, **overrides: object) -> User:
    return make_user(db, role=Role.COORDINATOR, organisation_id=school.id, **overrides)


def _mails_to(db: Session, address: str) -> list[OutboxEmail]:
    return list(db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == address)))


def _accepted(db: Session, school: Organisation, **pupil: object) -> Match:
    return make_match(
        db,
        pupil=make_pupil(db, school=school, **pupil),
        ambassador=_ambassador(db),
        state=MatchState.ACCEPTED,
    )


# Accepting tells the school and the guardian


def test_accepting_mails_the_coordinators_the_counsellors_and_the_guardian(
    db: Session, client: TestClient, smtp_server: SmtpServer
) -> None:
    school = make_school(db, name="Fællesskolen Hjerting")
    coordinator = _coordinator(db, school, full_name="Bente Koordinator", email="bk@skole.dk")
    english = _coordinator(db, school, locale=Locale.EN, email="en@skole.dk")
    _coordinator(db, school, is_active=False, email="gone@skole.dk")
    _coordinator(db, make_school(db), email="other@skole.dk")
    counsellor = make_user(db, role=Role.COUNSELLOR, email="uu@haderslev.dk")
    make_counsellor_school(db, counsellor=counsellor, school=school)
    pupil = make_pupil(
        db, school=school, first_name="Noah", last_name="Lund", guardian_email="mor@example.dk"
    )
    ambassador = _ambassador(db)
    match = make_match(db, pupil=pupil, ambassador=ambassador)
    sign_in(client, db, db.get_one(User, ambassador.user_id))

    response = post_form(client, f"{MENTEES}/{match.id}/accept", {}, token_from=MENTEES)

    assert response.status_code == 303
    messages = {m["To"]: m for m in smtp_server.wait_for(4)}
    assert set(messages) == {coordinator.email, english.email, counsellor.email, "mor@example.dk"}
    to_coordinator = SmtpServer.text_of(messages[coordinator.email])
    assert (
        messages[coordinator.email]["Subject"] == "Et nyt match, der skal gives videre til en elev"
    )
    assert "Freja Holm Zeuthen (Teknisk gymnasium, Haderslev Tekniske Skole)" in to_coordinator
    assert "Noah Lund" in to_coordinator
    assert "https://testserver/school/matches" in to_coordinator
    assert "Technical upper sec" in SmtpServer.text_of(messages[english.email])
    assert "Fællesskolen Hjerting" in str(messages[counsellor.email]["Subject"])

    to_guardian = SmtpServer.text_of(messages["mor@example.dk"])
    assert messages["mor@example.dk"]["Subject"] == "Noah har fået en ambassadør"
    assert "Ambassadøren er Freja, som går på Teknisk gymnasium på Haderslev Tekniske Skole" in (
        to_guardian
    )
    assert "foreslår et møde via skolen" in to_guardian
    assert "online" in to_guardian
    assert "trække jeres samtykke tilbage" in to_guardian
    assert "Bente Koordinator, bk@skole.dk" in to_guardian
    assert "gone@skole.dk" not in to_guardian
    assert "Zeuthen" not in to_guardian  # the ambassador's first name only


def test_no_guardian_mail_without_an_address_or_without_consent(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    _coordinator(db, school, email="k@skole.dk")
    ambassador = _ambassador(db)
    no_address = make_match(
        db, pupil=make_pupil(db, school=school, guardian_email=None), ambassador=ambassador
    )
    no_consent = make_match(
        db,
        pupil=make_pupil(
            db,
            school=school,
            guardian_email="far@example.dk",
            consent_state=ConsentState.MISSING,
            consent_given_by=None,
            consent_method=None,
            consent_at=None,
        ),
        ambassador=ambassador,
    )
    sign_in(client, db, db.get_one(User, ambassador.user_id))

    for match in (no_address, no_consent):
        response = post_form(client, f"{MENTEES}/{match.id}/accept", {}, token_from=MENTEES)
        assert response.status_code == 303

    assert len(_mails_to(db, "k@skole.dk")) == 2
    assert _mails_to(db, "far@example.dk") == []


def test_nothing_about_the_pupil_or_the_guardian_goes_to_the_ambassador(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, last_name="Efternavnsen", guardian_email="g@example.dk")
    ambassador = _ambassador(db)
    match = make_match(db, pupil=pupil, ambassador=ambassador)
    user = db.get_one(User, ambassador.user_id)
    sign_in(client, db, user)

    post_form(client, f"{MENTEES}/{match.id}/accept", {}, token_from=MENTEES)

    assert _mails_to(db, user.email) == []
    page = client.get(MENTEES).text
    assert "Efternavnsen" not in page
    assert "g@example.dk" not in page
    assert pupil.guardian_phone not in page


# The mentee card: the next step and the contact path


def test_the_mentee_card_shows_the_next_step_and_the_school_coordinators(
    db: Session, client: TestClient
) -> None:
    school = make_school(db, name="Sct. Severin Skole")
    _coordinator(db, school, full_name="Karin Kontakt", email="karin@severin.dk")
    _coordinator(db, school, full_name="Inaktiv Person", is_active=False)
    _coordinator(db, make_school(db), full_name="Fremmed Koordinator")
    ambassador = _ambassador(db)
    pupil = make_pupil(db, school=school, first_name="Alma", guardian_email="alma.mor@example.dk")
    match = make_match(db, pupil=pupil, ambassador=ambassador, state="accepted")
    sign_in(client, db, db.get_one(User, ambassador.user_id))

    page = client.get(MENTEES)

    assert page.status_code == 200
    text = page.text
    assert f'href="/ambassador/meetings/new?match={match.id}"' in text
    assert "Foreslå et møde" in text
    assert "Karin Kontakt" in text
    assert "mailto:karin@severin.dk" in text
    assert "Inaktiv Person" not in text
    assert "Fremmed Koordinator" not in text
    assert "alma.mor@example.dk" not in text
    assert pupil.last_name not in text


def test_the_mentees_page_loads_coordinators_in_one_query_for_all_cards(
    db: Session, client: TestClient, query_counter: QueryCounter
) -> None:
    ambassador = _ambassador(db)
    ambassador.capacity = 5
    db.flush()
    sign_in(client, db, db.get_one(User, ambassador.user_id))

    def add_mentee() -> None:
        school = make_school(db)
        _coordinator(db, school)
        make_match(db, pupil=make_pupil(db, school=school), ambassador=ambassador, state="accepted")

    add_mentee()
    query_counter.reset()
    assert client.get(MENTEES).status_code == 200
    with_one = query_counter.count
    for _ in range(3):
        add_mentee()
    query_counter.reset()
    assert client.get(MENTEES).status_code == 200
    assert query_counter.count == with_one


# The school's list, the note, handed over


def test_the_coordinator_lists_new_matches_of_the_own_school_only(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    coordinator = _coordinator(db, school)
    mine = _accepted(db, school, first_name="Otto", last_name="Olsen")
    make_match(db, pupil=make_pupil(db, school=school, first_name="Venter"))  # only proposed
    make_match(db, pupil=make_pupil(db, school=school, first_name="Slut"), state="closed")
    _accepted(db, make_school(db), first_name="Fremmed")
    sign_in(client, db, coordinator)

    page = client.get(PAGE)

    assert page.status_code == 200
    text = page.text
    assert "Otto Olsen" in text
    assert "Freja (Teknisk gymnasium, Haderslev Tekniske Skole)" in text
    assert f'action="/school/matches/{mine.id}/handed-over"' in text
    for hidden in ("Venter", "Slut", "Fremmed"):
        assert hidden not in text
    assert 'href="/school/matches"' in text  # the menu item
    assert "Nye match" in text


def test_a_counsellor_sees_the_new_matches_of_the_caseload_schools(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    _accepted(db, school, first_name="Kasper")
    _accepted(db, make_school(db), first_name="Udenfor")
    sign_in(client, db, counsellor)

    text = client.get(PAGE).text

    assert "Kasper" in text
    assert "Udenfor" not in text


def test_the_list_page_takes_the_same_queries_for_one_match_or_many(
    db: Session, client: TestClient, query_counter: QueryCounter
) -> None:
    school = make_school(db)
    sign_in(client, db, _coordinator(db, school))
    _accepted(db, school)
    query_counter.reset()
    assert client.get(PAGE).status_code == 200
    with_one = query_counter.count
    for _ in range(5):
        _accepted(db, school)
    handed = _accepted(db, school)
    handed.handed_over_at = handed.responded_at
    db.flush()
    query_counter.reset()
    assert client.get(PAGE).status_code == 200
    assert query_counter.count == with_one


def test_the_note_names_the_ambassador_in_danish_and_in_english(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    sign_in(client, db, _coordinator(db, school, full_name="Karin Kontakt"))
    match = _accepted(db, school, first_name="Ida")

    danish = client.get(f"{PAGE}/{match.id}/note")
    english = client.get(f"{PAGE}/{match.id}/note?lang=en")

    assert danish.status_code == 200
    assert "Din ambassadør er Freja" in danish.text
    assert "Teknisk gymnasium på Haderslev Tekniske Skole" in danish.text
    assert "foreslår et møde via din skole" in danish.text
    assert "Spørg Karin Kontakt på din skole." in danish.text
    assert "Zeuthen" not in danish.text
    assert "Your ambassador is Freja" in english.text
    assert "Technical upper sec" in english.text


def test_the_note_follows_the_ui_language(db: Session, client: TestClient) -> None:
    school = make_school(db)
    sign_in(client, db, _coordinator(db, school))
    match = _accepted(db, school)
    client.cookies.set(LOCALE_COOKIE, "en", domain="testserver.local")
    assert "Your ambassador is Freja" in client.get(f"{PAGE}/{match.id}/note").text


def test_another_schools_coordinator_gets_a_404_for_the_note_and_the_hand_over(
    db: Session, client: TestClient
) -> None:
    school = make_school(db)
    match = _accepted(db, school)
    sign_in(client, db, _coordinator(db, make_school(db)))

    assert client.get(f"{PAGE}/{match.id}/note").status_code == 404
    response = post_form(client, f"{PAGE}/{match.id}/handed-over", {}, token_from=PAGE)
    assert response.status_code == 404
    db.refresh(match)
    assert match.handed_over_at is None


def test_a_proposal_or_an_ended_match_has_no_note(db: Session, client: TestClient) -> None:
    school = make_school(db)
    sign_in(client, db, _coordinator(db, school))
    proposed = make_match(db, pupil=make_pupil(db, school=school))
    closed = make_match(db, pupil=make_pupil(db, school=school), state="closed")
    for match in (proposed, closed):
        assert client.get(f"{PAGE}/{match.id}/note").status_code == 404


def test_marking_handed_over_stamps_audits_and_moves_the_match(
    db: Session, client: TestClient, clock: FakeClock
) -> None:
    school = make_school(db)
    coordinator = _coordinator(db, school)
    sign_in(client, db, coordinator)
    match = _accepted(db, school, first_name="Sofus")
    home = client.get("/").text
    assert '<span class="count">1</span> nyt match skal gives videre til en elev' in home

    response = post_form(client, f"{PAGE}/{match.id}/handed-over", {}, token_from=PAGE)

    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    db.refresh(match)
    assert match.handed_over_at == clock.now
    handed = select(AuditEvent).where(
        AuditEvent.object_type == "match", AuditEvent.object_id == str(match.id)
    )
    event = db.scalars(handed).one()
    assert event.actor_id == coordinator.id
    assert event.pupil_id == match.pupil_id
    page = client.get(PAGE).text
    assert "Markeret som givet videre til eleven." in page
    assert f'action="/school/matches/{match.id}/handed-over"' not in page
    assert "Sofus" in page  # under "handed over in the last 14 days", to print again
    assert '<span class="count">0</span> nye match skal gives videre' in client.get("/").text

    again = post_form(client, f"{PAGE}/{match.id}/handed-over", {}, token_from=PAGE)
    assert again.status_code == 303
    db.refresh(match)
    assert match.handed_over_at == clock.now


# The home pages


def test_the_coordinator_home_counts_matches_to_pass_on(db: Session, client: TestClient) -> None:
    school = make_school(db)
    sign_in(client, db, _coordinator(db, school))
    for _ in range(3):
        _accepted(db, school)
    _accepted(db, make_school(db))

    text = client.get("/").text

    assert '<span class="count">3</span> nye match skal gives videre til elever' in text
    assert 'href="/school/matches"' in text


def test_the_counsellor_home_counts_matches_accepted_in_the_last_14_days(
    db: Session, client: TestClient, clock: FakeClock
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    sign_in(client, db, counsellor)
    for _ in range(2):
        _accepted(db, school)
    _accepted(db, make_school(db))

    home = client.get("/").text
    assert '<span class="count">2</span> match accepteret de seneste 14 dage' in home

    clock.advance(days=14)
    assert '<span class="count">0</span> match accepteret de seneste' in client.get("/").text


# The ambassador told when a match ends


def test_a_counsellor_ending_an_accepted_match_tells_the_ambassador_without_the_reason(
    db: Session, client: TestClient, smtp_server: SmtpServer
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    match = _accepted(db, school, first_name="Bertram", last_name="Bagger")
    ambassador_user = db.scalars(
        select(User)
        .join(Ambassador, Ambassador.user_id == User.id)
        .where(Ambassador.id == match.ambassador_id)
    ).one()
    sign_in(client, db, counsellor)
    url = f"/pupils/{match.pupil_id}/matches/{match.id}/end"

    response = post_form(
        client,
        url,
        {"reason": "other", "note": "Familien flytter til Aarhus"},
        token_from=f"/pupils/{match.pupil_id}",
    )

    assert response.status_code == 303
    [message] = smtp_server.wait_for_mail_to(ambassador_user.email)
    assert message["Subject"] == "Dit match med Bertram er afsluttet"
    text = SmtpServer.text_of(message)
    assert "Bertram" in text
    assert "Bagger" not in text
    assert "Aarhus" not in text


def test_ending_a_proposal_does_not_mail_the_ambassador(
    db: Session, client: TestClient, settings: Settings
) -> None:
    school = make_school(db)
    counsellor = make_user(db, role=Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=counsellor, school=school)
    match = make_match(db, pupil=make_pupil(db, school=school))
    sign_in(client, db, counsellor)

    post_form(
        client,
        f"/pupils/{match.pupil_id}/matches/{match.id}/end",
        {"reason": "moved"},
        token_from=f"/pupils/{match.pupil_id}",
    )

    db.refresh(match)
    assert match.state is MatchState.WITHDRAWN
    assert db.scalars(select(OutboxEmail)).all() == []


def test_consent_withdrawn_tells_the_ambassador_of_an_accepted_match(db: Session) -> None:
    school = make_school(db)
    match = _accepted(db, school, first_name="Lærke")
    pupil = db.get_one(Pupil, match.pupil_id)
    actor = _coordinator(db, school)

    withdraw_consent(
        db, actor=actor, pupil=pupil, given_by="Mor", method=ConsentMethod.EMAIL, on=local_today()
    )

    db.refresh(match)
    assert match.state is MatchState.CLOSED
    assert match.close_reason is CloseReason.NO_LONGER_WANTED
    [mail] = db.scalars(select(OutboxEmail)).all()
    assert mail.subject == "Dit match med Lærke er afsluttet"
