"""Guardian consent: one pupil, a class, withdrawal ending matches, the letter, who is matchable."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    AuditEvent,
    CloseReason,
    ConsentMethod,
    ConsentState,
    Match,
    MatchState,
    Organisation,
    Pupil,
    PupilStatus,
    Role,
    User,
)
from mentor.pupils.consent import local_today, withdraw_consent
from mentor.pupils.eligibility import matchable_pupils, may_be_matched
from tests.factories import (
    make_counsellor_school,
    make_match,
    make_pupil,
    make_school,
    make_setting,
    make_user,
)
from tests.web import log_in_as, post_form

NO_CONSENT = {
    "consent_state": ConsentState.MISSING,
    "consent_given_by": None,
    "consent_method": None,
    "consent_at": None,
}


def coordinator(client: TestClient, db: Session, school: Organisation) -> User:
    return log_in_as(client, db, Role.COORDINATOR, organisation=school)


def consent_events(db: Session, pupil: Pupil) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.pupil_id == pupil.id, AuditEvent.object_type == "consent"
            )
        )
    )


def test_a_coordinator_records_consent_on_the_pupil_page(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, first_name="Asta", last_name="Lund", **NO_CONSENT)
    user = coordinator(client, db, school)
    day = local_today() - timedelta(days=3)

    response = post_form(
        client,
        f"/pupils/{pupil.id}/consent",
        {
            "state": "given",
            "given_by": "Birgit Lund",
            "method": "digital",
            "consent_date": day.strftime("%d.%m.%Y"),
        },
    )

    assert response.status_code == 303
    db.refresh(pupil)
    assert pupil.consent_state is ConsentState.GIVEN
    assert pupil.consent_given_by == "Birgit Lund"
    assert pupil.consent_method is ConsentMethod.DIGITAL
    assert pupil.consent_at is not None
    assert pupil.consent_at.astimezone(LOCAL_TIMEZONE).date() == day
    assert pupil.consent_recorded_by_id == user.id
    page = client.get(f"/pupils/{pupil.id}").text
    assert "Samtykket for Asta Lund blev registreret." in page
    assert "Aula-besked" in page
    assert day.strftime("%d.%m.%Y") in page
    assert user.full_name in page
    [event] = consent_events(db, pupil)
    assert event.actor_id == user.id
    assert event.details == {"from": "missing", "to": "given", "method": "digital"}
    assert may_be_matched(pupil)


def test_consent_dated_in_the_future_or_incomplete_is_refused_and_nothing_written(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school, **NO_CONSENT)
    coordinator(client, db, school)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()

    future = post_form(
        client,
        f"/pupils/{pupil.id}/consent",
        {"state": "given", "given_by": "Birgit Lund", "method": "paper", "consent_date": tomorrow},
    )
    incomplete = post_form(
        client,
        f"/pupils/{pupil.id}/consent",
        {"state": "given", "given_by": "", "method": "", "consent_date": tomorrow},
    )

    assert future.status_code == 422
    assert "Datoen kan ikke ligge i fremtiden." in future.text
    assert 'value="Birgit Lund"' in future.text
    assert incomplete.status_code == 422
    assert "Feltet skal udfyldes." in incomplete.text
    db.refresh(pupil)
    assert pupil.consent_state is ConsentState.MISSING
    assert consent_events(db, pupil) == []


def test_withdraw_consent_ends_the_open_proposal_and_the_accepted_match_at_once(
    db: Session,
) -> None:
    counsellor = make_user(db, role=Role.COUNSELLOR)
    proposed_pupil = make_pupil(db)
    matched_pupil = make_pupil(db)
    proposal = make_match(db, pupil=proposed_pupil, state=MatchState.PROPOSED)
    match = make_match(db, pupil=matched_pupil, state=MatchState.ACCEPTED)
    earlier = make_match(db, pupil=matched_pupil, state=MatchState.DECLINED)
    assert set(db.scalars(matchable_pupils().where(Pupil.id.in_([proposed_pupil.id])))) == set()

    for pupil in (proposed_pupil, matched_pupil):
        withdraw_consent(
            db,
            actor=counsellor,
            pupil=pupil,
            given_by="Hanne Holm",
            method=ConsentMethod.PHONE,
            on=local_today(),
        )
    db.expire_all()

    proposal = db.get_one(Match, proposal.id)
    match = db.get_one(Match, match.id)
    assert proposal.state is MatchState.WITHDRAWN
    assert match.state is MatchState.CLOSED
    assert match.close_reason is CloseReason.NO_LONGER_WANTED
    assert match.closed_at is not None
    assert match.closed_by_id == counsellor.id
    assert db.get_one(Match, earlier.id).state is MatchState.DECLINED  # history is left alone
    for pupil in (proposed_pupil, matched_pupil):
        row = db.get_one(Pupil, pupil.id)
        assert row.consent_state is ConsentState.WITHDRAWN
        assert row.consent_method is ConsentMethod.PHONE
        assert not may_be_matched(row)
    ids = [proposed_pupil.id, matched_pupil.id]
    assert list(db.scalars(matchable_pupils().where(Pupil.id.in_(ids)))) == []
    match_events = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "match", AuditEvent.pupil_id.in_(ids))
    ).all()
    assert {e.object_id for e in match_events} == {str(proposal.id), str(match.id)}


def test_matchable_pupils_are_active_with_consent_and_no_open_match(db: Session) -> None:
    school = make_school(db)
    ready = make_pupil(db, school=school)
    make_pupil(db, school=school, **NO_CONSENT)
    make_pupil(db, school=school, consent_state=ConsentState.REFUSED)
    make_pupil(db, school=school, status=PupilStatus.ARCHIVED)
    make_match(db, pupil=make_pupil(db, school=school), state=MatchState.PROPOSED)
    declined_before = make_pupil(db, school=school)
    make_match(db, pupil=declined_before, state=MatchState.DECLINED)

    found = db.scalars(matchable_pupils().where(Pupil.school_id == school.id)).all()

    assert {p.id for p in found} == {ready.id, declined_before.id}


def test_withdrawing_on_the_pupil_page_ends_the_match(client: TestClient, db: Session) -> None:
    school = make_school(db)
    pupil = make_pupil(db, school=school)
    match = make_match(db, pupil=pupil, state=MatchState.ACCEPTED)
    user = log_in_as(client, db, Role.COUNSELLOR)
    make_counsellor_school(db, counsellor=user, school=school)

    response = post_form(
        client,
        f"/pupils/{pupil.id}/consent",
        {
            "state": "withdrawn",
            "given_by": "Hanne Holm",
            "method": "email",
            "consent_date": local_today().isoformat(),
        },
    )

    assert response.status_code == 303
    db.refresh(match)
    assert match.state is MatchState.CLOSED
    assert match.closed_by_id == user.id


def _class(db: Session, school: Organisation) -> list[Pupil]:
    return [
        make_pupil(
            db, school=school, class_name="8.b", first_name=name, last_name="Kjær", **NO_CONSENT
        )
        for name in ("Alma", "Bo", "Cille")
    ]


def test_a_whole_class_in_one_post_and_untouched_rows_do_not_change(
    client: TestClient, db: Session
) -> None:
    school = make_school(db)
    alma, bo, cille = _class(db, school)
    make_pupil(db, school=school, class_name="9.a", first_name="Anden", last_name="Klasse")
    user = coordinator(client, db, school)

    page = client.get(f"/pupils/consent?school_id={school.id}&class_name=8.b")
    assert page.status_code == 200
    assert "Klasse 8.b på" in page.text
    assert "Alma Kjær" in page.text
    assert "Anden Klasse" not in page.text
    assert f'<label class="visually-hidden" for="state_{alma.id}">' in page.text
    fragment = client.get("/pupils/consent?class_name=8.b", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="checklist">')

    response = post_form(
        client,
        "/pupils/consent",
        {
            "school_id": str(school.id),
            "class_name": "8.b",
            "method": "paper",
            "consent_date": local_today().isoformat(),
            f"state_{alma.id}": "given",
            f"given_by_{alma.id}": "Anne Kjær",
            f"state_{bo.id}": "refused",
            f"given_by_{bo.id}": "Bent Kjær",
            f"state_{cille.id}": "",
            f"given_by_{cille.id}": "Carla Kjær",
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/pupils/consent?school_id={school.id}&class_name=8.b"
    for pupil in (alma, bo, cille):
        db.refresh(pupil)
    assert (alma.consent_state, alma.consent_given_by) == (ConsentState.GIVEN, "Anne Kjær")
    assert (bo.consent_state, bo.consent_given_by) == (ConsentState.REFUSED, "Bent Kjær")
    assert alma.consent_recorded_by_id == bo.consent_recorded_by_id == user.id
    assert cille.consent_state is ConsentState.MISSING
    assert cille.consent_given_by is None
    assert consent_events(db, cille) == []
    shown = client.get(response.headers["location"]).text
    assert "Samtykke registreret for klasse 8.b: 2 ændret." in shown


def test_one_bad_row_writes_nothing_for_the_whole_class(client: TestClient, db: Session) -> None:
    school = make_school(db)
    alma, bo, _cille = _class(db, school)
    coordinator(client, db, school)

    response = post_form(
        client,
        "/pupils/consent",
        {
            "school_id": str(school.id),
            "class_name": "8.b",
            "method": "",
            "consent_date": (local_today() + timedelta(days=2)).isoformat(),
            f"state_{alma.id}": "given",
            f"given_by_{alma.id}": "Anne Kjær",
            f"state_{bo.id}": "given",
            f"given_by_{bo.id}": "",
        },
    )
    nothing = post_form(
        client, "/pupils/consent", {"school_id": str(school.id), "class_name": "8.b"}
    )

    assert response.status_code == 422
    assert f'id="given_by_{bo.id}-error"' in response.text
    assert 'id="method-error"' in response.text
    assert "Datoen kan ikke ligge i fremtiden." in response.text
    assert '<option value="given" selected>' in response.text  # the user's choices are kept
    for pupil in (alma, bo):
        db.refresh(pupil)
        assert pupil.consent_state is ConsentState.MISSING
    assert nothing.status_code == 422
    assert "Vælg et nyt svar for mindst én elev." in nothing.text


def test_the_consent_letter_in_danish_and_english(client: TestClient, db: Session) -> None:
    school = make_school(db)
    user = coordinator(client, db, school)
    make_setting(db, key="pupil_retention_years", value={"years": 2})

    danish = client.get("/pupils/consent-letter?lang=da")
    english = client.get("/pupils/consent-letter?lang=en")

    assert danish.status_code == english.status_code == 200
    assert '<html lang="da">' in danish.text
    assert "Ambassadør: må dit barn være med?" in danish.text
    assert "i 2 år efter" in danish.text
    assert "Du kan til enhver tid trække dit samtykke tilbage" in danish.text
    assert '<html lang="en">' in english.text
    assert "Ambassador: may your child take part?" in english.text
    assert "for 2 years after your child's last school year ends" in english.text
    assert "The ambassador sees only your child's first name" in english.text
    for page in (danish, english):
        assert school.name in page.text
        assert user.email in page.text
    # An unknown language falls back to the user's own, Danish by default.
    assert '<html lang="da">' in client.get("/pupils/consent-letter?lang=xx").text


def test_print_styles_hide_the_site_around_the_letter() -> None:
    from mentor.config import PROJECT_ROOT

    css = (PROJECT_ROOT / "static" / "css" / "app.css").read_text()
    assert "@media print" in css
    assert ".no-print" in css[css.index("@media print") :]
