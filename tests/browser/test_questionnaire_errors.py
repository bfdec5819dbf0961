"""The questionnaire's error summary in a browser: focus moves to it when the form comes back,
and each of its links takes the pupil to the field it names."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentor.models import Role
from mentor.questionnaire import service
from mentor.questionnaire.forms import Delivery
from tests.browser.conftest import LiveServer, OpenPage, follow, visit
from tests.factories import make_programme, make_pupil, make_school
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_summary_takes_focus_and_links_to_each_field(
    new_page: OpenPage, live_server: LiveServer, javascript: bool
) -> None:
    with live_server.session() as db:
        school = make_school(db)
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        programme = make_programme(db)
        pupil = make_pupil(db, school=school, first_name="Ronja")
        [issued] = service.issue_links(
            db,
            actor=coordinator,
            school=school,
            pupils=[pupil],
            delivery=Delivery.SHEET,
            settings=live_server.app.state.settings,
        )
    page = new_page(javascript=javascript)
    visit(page, issued.url)
    page.locator("select[name=programme_1]").select_option(str(programme.id))
    page.locator("select[name=programme_2]").select_option(str(programme.id))
    follow(page, page.get_by_role("main").locator("form[action^='/q/'] [type=submit]"))

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)  # the programme chosen twice
    link.click()
    expect(page.locator("#programme_2")).to_be_focused()
