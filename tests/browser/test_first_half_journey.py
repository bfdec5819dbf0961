"""The first half of the loop, as each role does it, in a browser: the coordinator enrols a class
(import, consent, questionnaire) and its pupils answer; the admin vets a student (approval,
børneattest, training, activation); the counsellor runs matching for the school and commits; the
ambassador accepts. At a phone's width and a desk's, in Danish and in English, with JavaScript and
without it: one journey, parametrised. Every page passes axe-core and fits the screen.

The pages are driven by their structure (form actions, field names), not their words, so that the
same steps run in both languages; each role's home page is checked for its language and its cards.
(The README's screenshots are of the demo: test_demo_pages.py.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect
from sqlalchemy import select

from mentor.db import utcnow
from mentor.i18n import LOCAL_TIMEZONE
from mentor.models import (
    Ambassador,
    AmbassadorState,
    ConsentState,
    Match,
    MatchState,
    Pupil,
    Role,
)
from tests.browser.conftest import LiveServer, OpenPage, follow, running_server, visit
from tests.conftest import SmtpServer
from tests.factories import (
    make_ambassador,
    make_ambassador_interest,
    make_counsellor_school,
    make_institution,
    make_institution_programme,
    make_interest,
    make_interest_group,
    make_programme,
    make_school,
)
from tests.web import PASSWORD, make_user_with_password

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
def live_server(tmp_path: Path, smtp_server_session: SmtpServer) -> Iterator[LiveServer]:
    """A server of its own for each journey: the run's scope is the only school and ambassador."""
    with running_server(tmp_path, smtp_server_session) as server:
        yield server


class Journey:
    """One browser tab going through the loop in one language, at one width."""

    def __init__(self, page: Page, server: LiveServer, language: str) -> None:
        self.page, self.server, self.language = page, server, language
        # A question asked with a dialog (with JavaScript) is answered yes, as the user would.
        page.on("dialog", lambda dialog: dialog.accept())

    @property
    def main(self) -> Locator:
        return self.page.get_by_role("main")

    def submit(self, form_selector: str, button: str = "[type=submit]") -> None:
        """Send a form of the page; when the answer asks first (a confirmation page), say yes."""
        follow(self.page, self.main.locator(form_selector).first.locator(button).first)
        confirm = self.main.locator("form:has(input[name=confirmed])")
        if confirm.count():
            follow(self.page, confirm.first.locator("[type=submit]").first)

    def fits(self) -> None:
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size
        assert viewport is not None
        assert width <= viewport["width"], f"{self.page.url} is {width} px wide"

    def log_in(self, email: str, role: Role) -> None:
        visit(self.page, "/login")
        form = self.main.locator("form[action='/login']")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(PASSWORD)
        follow(self.page, form.locator("[type=submit]"))
        if self.language == "en" and self.page.locator("html").get_attribute("lang") != "en":
            follow(self.page, self.page.locator("form.language-switch [type=submit]"))
        expect(self.page.locator("html")).to_have_attribute("lang", self.language)
        # The role's home page: its own counts as cards, in the chosen language.
        visit(self.page, "/")
        expect(self.main.locator(".count-cards > li").first).to_be_visible()
        self.fits()

    def log_out(self) -> None:
        follow(self.page, self.page.locator("form[action='/logout'] [type=submit]"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_enrol_consent_questionnaire_vet_match_and_accept(
    new_page: OpenPage,
    live_server: LiveServer,
    viewport: ViewportSize,
    language: str,
    javascript: bool,
) -> None:
    unique = uuid.uuid4().hex[:6]
    with live_server.session() as db:
        school = make_school(db, name=f"Sønderbro Skole {unique}")
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        counsellor = make_user_with_password(db, Role.COUNSELLOR)
        make_counsellor_school(db, counsellor=counsellor, school=school)
        admin = make_user_with_password(db, Role.ADMIN)
        group = make_interest_group(db, label_da=f"Fritid {unique}", label_en=f"Spare {unique}")
        interest = make_interest(db, group=group, label_da=f"Musik {unique}", label_en="Music")
        programme = make_programme(db, name_da=f"HTX {unique}", name_en=f"HTX {unique}")
        institution = make_institution(db)
        make_institution_programme(db, institution=institution, programme=programme)
        student = make_user_with_password(
            db,
            Role.AMBASSADOR,
            organisation_id=institution.id,
            last_login_at=utcnow() - timedelta(days=1),
        )
        applicant = make_ambassador(
            db,
            user=student,
            institution=institution,
            programme=programme,
            former_school=school,
            state=AmbassadorState.APPLIED,
            child_certificate_assessed_at=None,
            training_completed_at=None,
            capacity=3,
            preferred_grades=[8],
        )
        make_ambassador_interest(db, ambassador=applicant, interest=interest)
    journey = Journey(new_page(viewport=viewport, javascript=javascript), live_server, language)
    page, today = journey.page, utcnow().astimezone(LOCAL_TIMEZONE).date().isoformat()

    # 1. Enrol: the coordinator imports the class, reads the preview and imports it.
    journey.log_in(coordinator.email, Role.COORDINATOR)
    visit(page, "/pupils/import")
    page.locator("input#file").set_input_files(
        {
            "name": "elever.csv",
            "mimeType": "text/csv",
            "buffer": (
                "\ufeffElevnummer;Fornavn;Efternavn;Klasse\r\n"
                f"J1{unique};Ida;Bæk;8.A\r\n"
                f"J2{unique};Emil;Østergaard;8.A\r\n"
            ).encode(),
        }
    )
    journey.submit("form[action='/pupils/import']")
    journey.fits()
    journey.submit("form[action='/pupils/import/commit']")
    with live_server.session() as db:
        pupils = list(db.scalars(select(Pupil).where(Pupil.school_id == school.id)))
    assert sorted(p.first_name for p in pupils) == ["Emil", "Ida"]

    # 2. Consent: recorded on each pupil's page.
    for pupil in pupils:
        visit(page, f"/pupils/{pupil.id}")
        journey.fits()
        form = journey.main.locator(f"form[action='/pupils/{pupil.id}/consent']")
        form.locator("select[name=state]").select_option("given")
        form.locator("input[name=given_by]").fill(f"Forælder til {pupil.first_name}")
        form.locator("select[name=method]").select_option(index=1)
        form.locator("input[name=consent_date]").fill(today)
        journey.submit(f"form[action='/pupils/{pupil.id}/consent']")

    # 3. Questionnaire: the class sheet of links; each pupil answers on their own device.
    visit(page, f"/questionnaire/schools/{school.id}/class?name=8.A")
    journey.fits()
    journey.submit(f"form[action='/questionnaire/schools/{school.id}/send']", "[value=sheet]")
    links = [text.strip() for text in journey.main.locator(".slip-link").all_inner_texts()]
    assert len(links) == 2, links
    journey.log_out()
    for link in links:
        pupil_page = new_page(viewport=viewport, javascript=javascript)
        visit(pupil_page, link)
        form = pupil_page.get_by_role("main").locator("form[action^='/q/']")
        form.locator("input[name=interest]").first.check()
        form.locator("select[name=programme_1]").select_option(str(programme.id))
        form.locator("input[name=wants_alumnus][value=any]").check()
        follow(pupil_page, form.locator("[type=submit]"))
        assert re.search(r"/q/[\w-]+/thanks$", pupil_page.url), pupil_page.url
    with live_server.session() as db:
        answered = db.scalars(select(Pupil).where(Pupil.school_id == school.id)).all()
        assert all(p.consent_state is ConsentState.GIVEN for p in answered)
        assert all(p.questionnaire_completed_at is not None for p in answered)

    # 4. Vet: the admin approves the student, records the børneattest and the training, and
    # activates her.
    journey.log_in(admin.email, Role.ADMIN)
    visit(page, "/admin/ambassadors?state=applied")
    journey.fits()
    base = f"/admin/ambassadors/{applicant.id}"
    follow(page, journey.main.locator(f"a[href='{base}']"))
    journey.submit(f"form[action='{base}/approve']")
    journey.submit(f"form[action='{base}/request-certificate']")
    journey.main.locator(f"form[action='{base}/clear-certificate'] input[name=assessed_on]").fill(
        today
    )
    journey.submit(f"form[action='{base}/clear-certificate']")
    if journey.main.locator(f"form[action='{base}/book-training']").count():
        journey.submit(f"form[action='{base}/book-training']")  # training booked today
    journey.main.locator(f"form[action='{base}/complete-training'] input[name=trained_on]").fill(
        today
    )
    journey.submit(f"form[action='{base}/complete-training']")
    journey.submit(f"form[action='{base}/activate']")
    journey.fits()
    with live_server.session() as db:
        assert db.get_one(Ambassador, applicant.id).state is AmbassadorState.ACTIVE
    journey.log_out()

    # 5. Match: the counsellor runs matching for the school and commits the run.
    journey.log_in(counsellor.email, Role.COUNSELLOR)
    visit(page, "/matching")
    journey.fits()
    journey.main.locator(f"input[name=school_{school.id}]").check()
    journey.submit("form[action='/matching/runs']")
    assert re.search(r"/matching/runs/\d+$", page.url), page.url
    journey.fits()
    journey.submit("form[action$='/commit']")
    with live_server.session() as db:
        proposals = list(db.scalars(select(Match).where(Match.ambassador_id == applicant.id)))
    assert len(proposals) == 2
    assert all(match.state is MatchState.PROPOSED for match in proposals)
    journey.log_out()

    # 6. Accept: the ambassador says yes to both pupils.
    journey.log_in(student.email, Role.AMBASSADOR)
    for match in proposals:
        visit(page, "/ambassador/mentees")
        journey.fits()
        journey.submit(f"form[action='/ambassador/mentees/{match.id}/accept']")
    with live_server.session() as db:
        states = {db.get_one(Match, m.id, populate_existing=True).state for m in proposals}
    assert states == {MatchState.ACCEPTED}
