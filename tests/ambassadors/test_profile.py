"""The ambassador's profile: what the pages show, what the form saves, and what it refuses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.ambassadors.profile import local_today
from mentor.models import (
    Ambassador,
    AmbassadorInterest,
    AuditEvent,
    ContactPreference,
    MatchState,
    Organisation,
    Role,
    User,
)
from tests.factories import (
    make_ambassador,
    make_ambassador_interest,
    make_institution,
    make_institution_programme,
    make_interest,
    make_match,
    make_programme,
    make_school,
    make_user,
)
from tests.web import log_in_as, post_form, sign_in

URL = "/ambassador/profile"
EDIT = "/ambassador/profile/edit"


def ambassador_signed_in(client: TestClient, db: Session, **overrides: Any) -> Ambassador:
    institution = make_institution(db)
    programme = overrides.pop("programme", None) or make_programme(db)
    make_institution_programme(db, institution=institution, programme=programme)
    user = make_user(db, role=Role.AMBASSADOR, organisation=institution)
    ambassador = make_ambassador(
        db, user=user, institution=institution, programme=programme, **overrides
    )
    sign_in(client, db, user)
    return ambassador


def form(ambassador: Ambassador, **changes: str) -> dict[str, str]:
    """The form as a browser posts it for this ambassador, with ``changes``."""
    data = {
        "institution_id": str(ambassador.institution_id),
        "programme_id": str(ambassador.programme_id),
        "year_of_study": "2",
        "former_school_id": "",
        "capacity": "2",
        "about": "Jeg går på HTX og elsker robotter.",
        "phone": "",
        "contact_preference": "email",
        "language_da": "1",
        "grade_8": "1",
        "grade_9": "1",
        "slot_0_weekday": "1",
        "slot_0_start": "14:00",
        "slot_0_end": "16:00",
    }
    return {key: value for key, value in (data | changes).items() if value is not None}


def reload(db: Session, ambassador: Ambassador) -> Ambassador:
    db.expire_all()
    row = db.get(Ambassador, ambassador.id)
    assert row is not None
    return row


# Reading


def test_the_profile_page_shows_the_profile(client: TestClient, db: Session) -> None:
    school = make_school(db, name="Sønderbro Skole")
    ambassador = ambassador_signed_in(
        client,
        db,
        former_school=school,
        capacity=0,
        blackout_dates=[{"start": "2099-05-10", "end": "2099-06-20"}],
    )
    make_ambassador_interest(
        db, ambassador=ambassador, interest=make_interest(db, label_da="Musik")
    )

    page = client.get(URL)

    assert page.status_code == 200
    assert "Sønderbro Skole" in page.text
    assert "Musik" in page.text
    assert "tirsdag 14:00–17:00" in page.text
    assert "10.05.2099" in page.text
    assert "Sat på pause: du får ikke nye forslag." in page.text
    assert 'href="/ambassador/profile/edit"' in page.text


def test_the_home_page_links_to_the_profile(client: TestClient, db: Session) -> None:
    ambassador_signed_in(client, db)
    assert 'href="/ambassador/profile"' in client.get("/").text


@pytest.mark.parametrize("path", [URL, EDIT])
def test_an_ambassador_account_without_a_profile_gets_a_clear_page(
    client: TestClient, db: Session, path: str
) -> None:
    log_in_as(client, db, Role.AMBASSADOR)
    page = client.get(path)
    assert page.status_code == 404
    assert "Du har ikke en ambassadørprofil endnu" in page.text
    posted = post_form(client, EDIT, {"capacity": "3"})
    assert posted.status_code == 404


def test_other_roles_cannot_open_the_profile(client: TestClient, db: Session) -> None:
    log_in_as(client, db, Role.COUNSELLOR)
    assert client.get(URL).status_code == 403


def test_the_edit_form_has_the_stored_values_and_empty_rows(
    client: TestClient, db: Session
) -> None:
    ambassador = ambassador_signed_in(client, db)
    page = client.get(EDIT)
    assert page.status_code == 200
    assert 'name="slot_0_start" type="time"' in page.text
    assert 'value="14:00"' in page.text
    # Two stored slots, and empty rows to add more without JavaScript.
    assert 'name="slot_4_weekday"' in page.text
    assert 'name="blackout_2_start"' in page.text
    assert 'name="institution_id"' in page.text
    assert ambassador.about is not None
    assert ambassador.about in page.text


# Saving


def test_saving_the_profile_writes_every_field(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    school = make_school(db)
    music, sport = make_interest(db), make_interest(db)
    start = local_today() + timedelta(days=30)
    data = form(
        ambassador,
        year_of_study="3",
        former_school_id=str(school.id),
        capacity="4",
        phone="+45 12 34 56 78",
        contact_preference="sms",
        language_ar="1",
        grade_10="1",
        slot_0_weekday="3",
        slot_0_start="15.00",
        slot_0_end="17:30",
        slot_3_weekday="0",
        slot_3_start="14:00",
        slot_3_end="15:00",
        blackout_1_start=start.isoformat(),
        blackout_1_end=(start + timedelta(days=14)).strftime("%d.%m.%Y"),
        **{f"interest_{music.id}": "1", f"interest_{sport.id}": "1"},
    )

    response = post_form(client, EDIT, data)

    assert response.status_code == 303
    assert response.headers["location"] == URL
    saved = reload(db, ambassador)
    assert saved.year_of_study == 3
    assert saved.former_school_id == school.id
    assert saved.capacity == 4
    assert saved.phone == "+45 12 34 56 78"
    assert saved.contact_preference is ContactPreference.SMS
    assert saved.languages == ["da", "ar"]
    assert saved.preferred_grades == [8, 9, 10]
    # Sorted by day and time.
    assert saved.availability == [
        {"weekday": 0, "start": "14:00", "end": "15:00"},
        {"weekday": 3, "start": "15:00", "end": "17:30"},
    ]
    assert saved.blackout_dates == [
        {"start": start.isoformat(), "end": (start + timedelta(days=14)).isoformat()}
    ]
    interests = db.scalars(
        select(AmbassadorInterest.interest_id).where(
            AmbassadorInterest.ambassador_id == ambassador.id
        )
    )
    assert set(interests) == {music.id, sport.id}
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "ambassador", AuditEvent.object_id == str(ambassador.id)
        )
    ).one()
    assert "interests" in event.details["fields"]
    assert "+45" not in str(event.details)
    assert "Din profil er gemt." in client.get(URL).text


def test_changing_institution_and_programme(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    other, programme = make_institution(db), make_programme(db)
    make_institution_programme(db, institution=other, programme=programme)

    response = post_form(
        client,
        EDIT,
        form(ambassador, institution_id=str(other.id), programme_id=str(programme.id)),
    )

    assert response.status_code == 303
    saved = reload(db, ambassador)
    assert (saved.institution_id, saved.programme_id) == (other.id, programme.id)
    user = db.get(User, saved.user_id)
    assert user is not None
    assert user.organisation_id == other.id


def test_clearing_interests_languages_grades_and_slots(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    make_ambassador_interest(db, ambassador=ambassador)
    data = form(ambassador, language_da=None, grade_8=None, grade_9=None, slot_0_weekday="")
    data |= {"slot_0_start": "", "slot_0_end": ""}

    assert post_form(client, EDIT, data).status_code == 303

    saved = reload(db, ambassador)
    assert (saved.languages, saved.preferred_grades, saved.availability) == ([], [], [])
    assert (
        db.scalars(
            select(AmbassadorInterest).where(AmbassadorInterest.ambassador_id == ambassador.id)
        ).all()
        == []
    )


def test_capacity_zero_pauses(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    assert post_form(client, EDIT, form(ambassador, capacity="0")).status_code == 303
    assert reload(db, ambassador).capacity == 0
    assert "Sat på pause" in client.get(URL).text


# Refusing


def refused(client: TestClient, db: Session, ambassador: Ambassador, **changes: str) -> str:
    """Post a bad form: 422, the user's values kept, nothing written."""
    before = reload(db, ambassador)
    snapshot = {column.key: getattr(before, column.key) for column in Ambassador.__table__.columns}
    response = post_form(client, EDIT, form(ambassador, **changes))
    assert response.status_code == 422, response.text
    after = reload(db, ambassador)
    assert {column.key: getattr(after, column.key) for column in Ambassador.__table__.columns} == (
        snapshot
    )
    assert 'class="field-error"' in response.text
    # The user's values come back.
    assert form(ambassador, **changes)["about"] in response.text
    return response.text


def test_lowering_capacity_below_the_current_mentees_is_refused(
    client: TestClient, db: Session
) -> None:
    ambassador = ambassador_signed_in(client, db, capacity=3)
    make_match(db, ambassador=ambassador, state=MatchState.ACCEPTED)
    make_match(db, ambassador=ambassador, state=MatchState.ACCEPTED)
    # A proposal does not hold a place: it may still be declined.
    make_match(db, ambassador=ambassador, state=MatchState.PROPOSED)

    text = refused(client, db, ambassador, capacity="1")

    assert "Du er mentor for 2 elever nu, så du kan ikke vælge færre end 2." in text
    assert post_form(client, EDIT, form(ambassador, capacity="2")).status_code == 303


def test_a_programme_the_institution_does_not_offer_is_refused(
    client: TestClient, db: Session
) -> None:
    ambassador = ambassador_signed_in(client, db)
    elsewhere = make_programme(db, name_da="Højere teknisk eksamen")
    make_institution_programme(db, programme=elsewhere)

    text = refused(client, db, ambassador, programme_id=str(elsewhere.id))

    assert "tilbyder ikke Højere teknisk eksamen" in text


def test_an_institution_without_recorded_programmes_accepts_any_current_programme(
    client: TestClient, db: Session
) -> None:
    ambassador = ambassador_signed_in(client, db)
    bare, programme = make_institution(db), make_programme(db)
    data = form(ambassador, institution_id=str(bare.id), programme_id=str(programme.id))
    assert post_form(client, EDIT, data).status_code == 303


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slot_0_weekday": "5"}, "Vælg en skoledag"),
        ({"slot_0_start": "16:00", "slot_0_end": "14:00"}, "efter starttiden"),
        ({"slot_0_start": "06:00"}, "mellem 08:00 og 18:00"),
        ({"slot_0_end": "21:00"}, "mellem 08:00 og 18:00"),
        ({"slot_0_end": "14:15"}, "mindst 30 minutter"),
        ({"slot_0_start": "kl to"}, "14:30"),
        ({"slot_0_end": ""}, "Udfyld dag"),
        (
            {"slot_1_weekday": "1", "slot_1_start": "15:00", "slot_1_end": "17:00"},
            "overlapper",
        ),
    ],
)
def test_bad_time_slots_are_refused(
    client: TestClient, db: Session, changes: dict[str, str], message: str
) -> None:
    ambassador = ambassador_signed_in(client, db)
    assert message in refused(client, db, ambassador, **changes)


def test_touching_slots_on_the_same_day_are_fine(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    data = form(ambassador, slot_1_weekday="1", slot_1_start="16:00", slot_1_end="17:00")
    assert post_form(client, EDIT, data).status_code == 303


def _period(first: date, last: date) -> dict[str, str]:
    return {"blackout_0_start": first.isoformat(), "blackout_0_end": last.isoformat()}


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ((10, 5), "sidste dag skal"),
        ((-30, -20), "er slut"),
        ((10, 200), "højst være 120 dage"),
        ((1000, 1001), "for langt ude"),
    ],
)
def test_bad_blackout_periods_are_refused(
    client: TestClient, db: Session, offsets: tuple[int, int], message: str
) -> None:
    ambassador = ambassador_signed_in(client, db)
    today = local_today()
    changes = _period(today + timedelta(days=offsets[0]), today + timedelta(days=offsets[1]))
    assert message in refused(client, db, ambassador, **changes)


def test_a_single_blackout_day_needs_only_the_first_day(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    day = (local_today() + timedelta(days=3)).isoformat()
    assert post_form(client, EDIT, form(ambassador, blackout_0_start=day)).status_code == 303
    assert reload(db, ambassador).blackout_dates == [{"start": day, "end": day}]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"contact_preference": "phone"}, "phone", "Skriv dit telefonnummer"),
        ({"contact_preference": "sms"}, "phone", "Skriv dit telefonnummer"),
        ({"phone": "12 34"}, "phone", "+45 12 34 56 78"),
        ({"phone": "ring til mig"}, "phone", "+45 12 34 56 78"),
        ({"about": "x" * 601}, "about", "for lang"),
        ({"capacity": "6"}, "capacity", "for stort"),
        ({"year_of_study": "9"}, "year_of_study", "for stort"),
        ({"grade_6": "1"}, "preferred_grades", "mellem 7 og 10"),
    ],
)
def test_bad_contact_and_choices_are_refused_next_to_the_field(
    client: TestClient, db: Session, changes: dict[str, str], field: str, message: str
) -> None:
    ambassador = ambassador_signed_in(client, db)
    text = refused(client, db, ambassador, **changes)
    assert f'id="{field}-error"' in text
    assert message in text


def test_inactive_catalogue_rows_are_refused(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    retired = make_interest(db, active=False)
    closed_school = make_school(db, active=False)
    text = refused(
        client,
        db,
        ambassador,
        former_school_id=str(closed_school.id),
        **{f"interest_{retired.id}": "1"},
    )
    assert 'id="former_school_id-error"' in text
    assert 'id="interests-error"' in text


def test_a_primary_school_is_not_a_youth_institution(client: TestClient, db: Session) -> None:
    ambassador = ambassador_signed_in(client, db)
    school: Organisation = make_school(db)
    text = refused(client, db, ambassador, institution_id=str(school.id))
    assert 'id="institution_id-error"' in text


def test_a_closed_programme_is_not_chosen_anew(client: TestClient, db: Session) -> None:
    closed = make_programme(db, valid_to=local_today() - timedelta(days=1))
    ambassador = ambassador_signed_in(client, db)
    make_institution_programme(db, institution_id=ambassador.institution_id, programme=closed)
    text = refused(client, db, ambassador, programme_id=str(closed.id))
    assert 'id="programme_id-error"' in text


def test_an_ambassador_on_a_closed_programme_can_still_save(
    client: TestClient, db: Session
) -> None:
    closed = make_programme(db, valid_to=local_today() - timedelta(days=1))
    ambassador = ambassador_signed_in(client, db, programme=closed)
    assert f'value="{closed.id}" selected' in client.get(EDIT).text
    response = post_form(client, EDIT, form(ambassador, capacity="3"))
    assert response.status_code == 303
    assert reload(db, ambassador).programme_id == closed.id
