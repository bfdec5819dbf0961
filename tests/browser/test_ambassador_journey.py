"""The ambassador journey: a student applies on a phone; the admin vets her (børneattest and
training) and activates her; she chooses a password from the mailed link, fills in her profile and
availability on the phone, and accepts one proposed pupil and declines another."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from email.message import Message

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy import select

from mentor.matches import service
from mentor.models import (
    Ambassador,
    AmbassadorInterest,
    AmbassadorState,
    ContactPreference,
    DeclineReason,
    Match,
    MatchState,
    Role,
    User,
)
from mentor.notifications.delivery import deliver_pending
from tests.browser.conftest import LiveServer, check_accessibility, follow, log_in, visit
from tests.factories import (
    make_institution,
    make_institution_programme,
    make_interest,
    make_interest_group,
    make_programme,
    make_pupil,
    make_pupil_interest,
    make_school,
)
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 375, "height": 740}
NEW_PASSWORD = "syv glade ambassadører på cykel"


def _text_of(message: Message) -> str:
    """The plain-text body of a mail as the recipient reads it (transfer encoding undone)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text part in the mail {message['Subject']!r}")


def _link_mailed_to(live_server: LiveServer, address: str, timeout: float = 10.0) -> str:
    """The password link of the mail to ``address`` that carries one, waiting for its delivery."""
    pattern = re.compile(rf"{re.escape(live_server.url)}/invitation/\S+")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(live_server.smtp.messages):
            if message["To"] == address and (found := pattern.findall(_text_of(message))):
                assert len(found) == 1, found
                return str(found[0])
        time.sleep(0.05)
    raise AssertionError(f"no mail with a password link to {address} within {timeout} s")


def test_a_student_applies_is_vetted_fills_in_her_profile_and_answers_proposals(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer
) -> None:
    unique = uuid.uuid4().hex[:8]
    email = f"sofie.{unique}@elev.htx.dk"
    name = f"Sofie Nørgaard {unique}"
    today = date.today()
    with live_server.session() as db:
        admin = make_user_with_password(db, Role.ADMIN)
        institution = make_institution(db, name=f"Haderslev Katedralskole {unique}")
        programme = make_programme(db, name_da=f"Stx {unique}")
        make_institution_programme(db, institution=institution, programme=programme)
        former_school = make_school(db, name=f"Fællesskolen Hjerting {unique}")
        pupils_school = make_school(db, name=f"Sønderbro Skole {unique}")
        group = make_interest_group(db, label_da=f"Fritid {unique}")
        music = make_interest(db, group=group, label_da=f"Musik {unique}")
        football = make_interest(db, group=group, label_da=f"Fodbold {unique}")

    # 1. The student applies on her phone.
    student = new_page()
    student.set_viewport_size(PHONE)
    visit(student, "/apply")
    expect(student.get_by_role("heading", level=1)).to_have_text("Bliv ambassadør")
    form = student.get_by_role("main")
    form.get_by_label("Fulde navn").fill(name)
    form.get_by_label("E-mailadresse").fill(email)
    form.get_by_label("Fødselsdato").fill(f"{date.today().year - 18}-03-14")
    form.get_by_role("combobox", name="Institution").select_option(label=institution.name)
    # The programmes narrow to those the institution offers (htmx swaps the field in).
    expect(form.get_by_text(f"De uddannelser, {institution.name} udbyder.")).to_be_visible()
    check_accessibility(student)  # the swapped-in field too
    form.get_by_role("combobox", name="Uddannelse").select_option(label=programme.name_da)
    form.get_by_role("spinbutton", name="År på uddannelsen").fill("2")
    form.get_by_label("Jeg har læst, hvad det kræver, også om børneattesten.").check()
    follow(student, form.get_by_role("button", name="Send ansøgning"))
    expect(student).to_have_url(f"{live_server.url}/apply/thanks")
    expect(student.get_by_role("heading", level=1)).to_have_text("Tak for din ansøgning")
    live_server.mail_to(email)  # the confirmation reaches the SMTP server

    # 2. The admin, at a desk, finds the application and takes it through the vetting.
    visit(page, "/login")
    log_in(page, admin.email)
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Ambassadører"))
    follow(page, page.get_by_role("main").get_by_role("link", name=name))
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(main).to_contain_text(email)
    follow(page, main.get_by_role("button", name="Godkend til optagelse"))
    expect(page.get_by_role("status")).to_contain_text(name)
    main.get_by_label("Børneattest bestilt den", exact=True).fill(
        (today - timedelta(days=20)).isoformat()
    )
    follow(page, main.get_by_role("button", name="Markér børneattest som bestilt"))
    main.get_by_role("textbox", name="Børneattest vurderet den").fill(
        (today - timedelta(days=6)).isoformat()
    )
    follow(page, main.get_by_role("button", name="Markér børneattest som godkendt"))
    main.get_by_role("textbox", name="Kursus booket den").fill(
        (today - timedelta(days=4)).isoformat()
    )
    follow(page, main.get_by_role("button", name="Book kursus", exact=True))
    expect(main).to_contain_text("Kursus booket")
    main.get_by_role("textbox", name="Kursus gennemført den").fill(
        (today - timedelta(days=2)).isoformat()
    )
    follow(page, main.get_by_role("button", name="Markér kursus som gennemført"))
    follow(page, main.get_by_role("button", name="Aktivér", exact=True))
    expect(main.get_by_role("definition").filter(has_text=re.compile("^Aktiv$"))).to_have_count(1)
    with live_server.session() as db:
        ambassador = db.scalars(
            select(Ambassador).join(User, User.id == Ambassador.user_id).where(User.email == email)
        ).one()
        assert ambassador.state is AmbassadorState.ACTIVE
        assert ambassador.child_certificate_assessor_id == admin.id
        assert ambassador.child_certificate_assessed_at is not None
        assert ambassador.child_certificate_assessed_at.date() == today - timedelta(days=6)
        assert ambassador.training_booked_at is not None
        assert ambassador.training_booked_at.date() == today - timedelta(days=4)
        assert ambassador.training_completed_at is not None
        assert ambassador.training_completed_at.date() == today - timedelta(days=2)
        # The approval mail waits in the outbox; the cron job (`mentor mail send`) sends it.
        deliver_pending(db, live_server.app.state.settings)

    # 3. The student opens the mailed link on her phone, chooses a password and logs in.
    visit(student, _link_mailed_to(live_server, email))
    expect(student.get_by_role("heading", level=1)).to_have_text("Velkommen til Ambassadør")
    student.get_by_label("Ny adgangskode").fill(NEW_PASSWORD)
    student.get_by_label("Gentag adgangskoden").fill(NEW_PASSWORD)
    follow(student, student.get_by_role("button", name="Opret konto"))
    expect(student).to_have_url(f"{live_server.url}/login")
    log_in(student, email, NEW_PASSWORD)
    expect(student).to_have_title("Forside · Ambassadør")
    expect(student.get_by_role("banner")).to_contain_text(name)

    # ... and fills in her profile.
    follow(student, student.get_by_role("navigation").get_by_role("link", name="Min profil"))
    follow(student, student.get_by_role("main").get_by_role("link", name="Ret min profil"))
    form = student.get_by_role("main")
    expect(form.get_by_role("combobox", name="Skole", exact=True)).to_have_value(
        str(institution.id)
    )
    expect(form.get_by_role("combobox", name="Uddannelse", exact=True)).to_have_value(
        str(programme.id)
    )
    form.get_by_role("combobox", name="År", exact=True).select_option("2")
    form.get_by_label("Tidligere folkeskole").select_option(label=former_school.name)
    form.get_by_label("En kort præsentation til eleverne").fill(
        "Jeg går i 2.g og spiller musik. Spørg mig om alt om gymnasiet!"
    )
    form.get_by_label(music.label_da).check()
    form.get_by_label(football.label_da).check()
    form.get_by_label("dansk", exact=True).check()
    form.get_by_label("arabisk", exact=True).check()
    form.get_by_label("8. klasse").check()
    form.get_by_label("9. klasse").check()
    form.get_by_role("combobox", name="Elever ad gangen").select_option("2")
    for number, (day, start, end) in enumerate(
        [("tirsdag", "14:00", "16:00"), ("torsdag", "15:00", "17:00")], start=1
    ):
        slot = form.get_by_role("group", name=f"Tidsrum {number}", exact=True)
        slot.get_by_label("Dag").select_option(label=day)
        slot.get_by_label("Fra").fill(start)
        slot.get_by_label("Til").fill(end)
    exams_start, exams_end = today + timedelta(days=30), today + timedelta(days=44)
    period = form.get_by_role("group", name="Periode 1", exact=True)
    period.get_by_label("Første dag").fill(exams_start.isoformat())
    period.get_by_label("Sidste dag").fill(exams_end.isoformat())
    follow(student, form.get_by_role("button", name="Gem", exact=True))
    expect(student).to_have_url(f"{live_server.url}/ambassador/profile")
    profile = student.get_by_role("main")
    expect(profile).to_contain_text(former_school.name)
    expect(profile).to_contain_text(f"{music.label_da}, {football.label_da}")
    expect(profile).to_contain_text("dansk, arabisk")
    expect(profile).to_contain_text("8. klasse, 9. klasse")
    expect(profile).to_contain_text("tirsdag 14:00–16:00")
    expect(profile).to_contain_text("torsdag 15:00–17:00")
    expect(profile).to_contain_text("Spørg mig om alt om gymnasiet!")
    with live_server.session() as db:
        ambassador = db.get_one(Ambassador, ambassador.id, populate_existing=True)
        assert ambassador.year_of_study == 2
        assert ambassador.former_school_id == former_school.id
        interests = select(AmbassadorInterest.interest_id).where(
            AmbassadorInterest.ambassador_id == ambassador.id
        )
        assert set(db.scalars(interests)) == {music.id, football.id}
        assert ambassador.languages == ["da", "ar"]
        assert ambassador.preferred_grades == [8, 9]
        assert ambassador.capacity == 2
        assert ambassador.availability == [
            {"weekday": 1, "start": "14:00", "end": "16:00"},
            {"weekday": 3, "start": "15:00", "end": "17:00"},
        ]
        assert ambassador.blackout_dates == [
            {"start": exams_start.isoformat(), "end": exams_end.isoformat()}
        ]
        assert ambassador.contact_preference is ContactPreference.EMAIL

    # 4. Two pupils (consent given) are proposed to her through the service.
    with live_server.session() as db:
        ambassador = db.get_one(Ambassador, ambassador.id)
        matches = {}
        for first_name, grade in ((f"Ida{unique}", 8), (f"Emil{unique}", 9)):
            pupil = make_pupil(db, school=pupils_school, first_name=first_name, grade=grade)
            make_pupil_interest(db, pupil=pupil, interest=music)
            matches[first_name] = service.propose(
                db,
                pupil=pupil,
                ambassador=ambassador,
                score=0.8,
                explanation={"sentences": {"da": ["I deler interessen for musik."]}},
                model_version="test",
                actor=admin,
                settings=live_server.app.state.settings,
            ).id
    ida, emil = f"Ida{unique}", f"Emil{unique}"

    follow(student, student.get_by_role("navigation").get_by_role("link", name="Mine elever"))
    waiting = student.get_by_role("region", name="Venter på dit svar")
    expect(waiting.get_by_role("heading", level=3)).to_have_count(2)
    for first_name in (ida, emil):
        expect(waiting.get_by_role("heading", level=3, name=first_name)).to_be_visible()
    expect(waiting.locator(f"#proposal-{matches[ida]}")).to_contain_text(
        "I deler interessen for musik."
    )
    expect(waiting.locator(f"#proposal-{matches[ida]}")).to_contain_text(music.label_da)

    follow(student, waiting.get_by_role("button", name=f"Sig ja til {ida}"))
    expect(student.get_by_role("status")).to_contain_text(ida)

    proposal = student.locator(f"#proposal-{matches[emil]}")
    proposal.get_by_text(f"Sig nej til {emil}").click()  # opens the <details>
    proposal.get_by_label("Vores tider passer ikke sammen").check()
    proposal.get_by_label("Vil du fortælle mere?").fill("Jeg har træning om tirsdagen.")
    follow(student, proposal.get_by_role("button", name="Sig nej", exact=True))
    expect(student.get_by_role("status")).to_contain_text(emil)

    main = student.get_by_role("main")
    expect(main.get_by_role("region", name="Venter på dit svar")).to_contain_text(
        "Ingen forslag venter på dig."
    )
    mentees = main.get_by_role("region", name="Dine elever")
    expect(mentees.get_by_role("heading", level=3)).to_have_text([ida])
    expect(mentees).not_to_contain_text(emil)
    earlier = main.get_by_role("region", name="Tidligere").get_by_role("row").filter(has_text=emil)
    expect(earlier).to_contain_text("Du sagde nej")

    with live_server.session() as db:
        accepted = db.get_one(Match, matches[ida], populate_existing=True)
        declined = db.get_one(Match, matches[emil], populate_existing=True)
        assert accepted.state is MatchState.ACCEPTED
        assert accepted.responded_at is not None
        assert declined.state is MatchState.DECLINED
        assert declined.decline_category is DeclineReason.SCHEDULE
        assert declined.decline_reason == "Jeg har træning om tirsdagen."
