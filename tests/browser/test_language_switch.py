"""The language switch keeps the page, its query string and what the user had typed; on a page
that answered a form's POST it goes back to the form, still logged in, never to "Not allowed"."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from mentor.models import ConsentState, Role
from mentor.questionnaire import service
from mentor.questionnaire.forms import Delivery
from tests.browser.conftest import LiveServer, OpenPage, follow, log_in, visit
from tests.factories import make_interest, make_interest_group, make_pupil, make_school
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


def _switch(page: Page, to: str) -> None:
    follow(page, page.get_by_role("banner").get_by_role("button", name=to))


def test_a_pupil_switching_language_keeps_the_questionnaire_and_the_answers_typed(
    page: Page, live_server: LiveServer
) -> None:
    unique = uuid.uuid4().hex[:8]
    with live_server.session() as db:
        school = make_school(db)
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        group = make_interest_group(db, label_da=f"Fritid {unique}", label_en=f"Spare {unique}")
        make_interest(db, group=group, label_da=f"Musik {unique}", label_en=f"Music {unique}")
        pupil = make_pupil(db, school=school, first_name="Ronja")
        [issued] = service.issue_links(
            db,
            actor=coordinator,
            school=school,
            pupils=[pupil],
            delivery=Delivery.SHEET,
            settings=live_server.app.state.settings,
        )
    address = issued.url

    visit(page, address)
    page.get_by_label(f"Musik {unique}").check()
    page.get_by_label("Hvad vil du gerne snakke med din ambassadør om?").fill("Lektier og venner")
    _switch(page, "English")

    assert page.url == address
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Ronja!")
    expect(page.get_by_label(f"Music {unique}")).to_be_checked()
    expect(
        page.get_by_label("What would you like to talk about with your ambassador?")
    ).to_have_value("Lektier og venner")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switching_on_a_form_shown_again_with_errors_returns_to_its_page_logged_in(
    new_page: OpenPage, live_server: LiveServer, javascript: bool
) -> None:
    with live_server.session() as db:
        school = make_school(db)
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        pupil = make_pupil(
            db,
            school=school,
            consent_state=ConsentState.MISSING,
            consent_given_by=None,
            consent_method=None,
            consent_at=None,
        )
    page = new_page(javascript=javascript)
    visit(page, f"/login?next=/pupils/{pupil.id}")
    log_in(page, coordinator.email)
    pupil_page = page.url

    # A consent without the way it came: the POST answers with the form again, at its address.
    consent = page.get_by_role("main").locator(f"form[action='/pupils/{pupil.id}/consent']")
    consent.get_by_label("Forælders navn").fill("Birgit Lund")
    follow(page, consent.locator("[type=submit]").first)
    assert page.url.endswith(f"/pupils/{pupil.id}/consent")

    _switch(page, "English")

    assert page.url == pupil_page
    expect(page.get_by_role("main")).not_to_contain_text("Not allowed")
    expect(page.get_by_role("banner").get_by_role("button", name="Log out")).to_be_visible()
    if javascript:  # what was typed comes back into the same form
        form = page.get_by_role("main").locator(f"form[action='/pupils/{pupil.id}/consent']")
        expect(form.get_by_label("Guardian's name")).to_have_value("Birgit Lund")


def test_switching_keeps_the_query_string_of_a_list(
    new_page: OpenPage, live_server: LiveServer
) -> None:
    with live_server.session() as db:
        school = make_school(db)
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        make_pupil(db, school=school, first_name="Asta", last_name="Holm")
    page = new_page(javascript=False)
    visit(page, "/login?next=/pupils%3Fq%3DAsta")
    log_in(page, coordinator.email)
    assert re.search(r"/pupils\?q=Asta$", page.url), page.url

    _switch(page, "English")

    assert re.search(r"/pupils\?q=Asta$", page.url), page.url
    expect(page.get_by_role("search").get_by_label("Name")).to_have_value("Asta")
