"""A coordinator sends a class the questionnaire; a pupil answers on a phone; the answer shows."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from mentor.models import Role
from tests.browser.conftest import LiveServer, follow, log_in, visit
from tests.factories import (
    make_interest,
    make_interest_group,
    make_programme,
    make_pupil,
    make_school,
)
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


def test_a_class_gets_links_and_a_pupil_answers_on_a_phone(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer
) -> None:
    unique = uuid.uuid4().hex[:8]
    pupil_email = f"elev.{unique}@elev.dk"
    with live_server.session() as db:
        school = make_school(db, name=f"Sønderbro Skole {unique}")
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        in_class = {"school": school, "grade": 8, "class_name": "8.A"}
        make_pupil(db, **in_class, first_name="Ida", last_name="Bæk", email=pupil_email)
        make_pupil(db, **in_class, first_name="Emil", email=None, guardian_email=None)
        group = make_interest_group(db, label_da=f"Fritid {unique}")
        make_interest(db, group=group, label_da=f"Musik {unique}")
        make_programme(db, name_da=f"Højere teknisk eksamen {unique}")

    # The coordinator sends the questionnaire to class 8.A and sees the sheet.
    visit(page, "/login?next=/questionnaire")
    log_in(page, coordinator.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text(school.name)
    follow(page, page.get_by_role("link", name="8.A"))
    follow(page, page.get_by_role("button", name="Send på e-mail og vis arket"))
    expect(page.get_by_role("status")).to_contain_text("1 til elever")
    expect(page.locator("svg.qr")).to_have_count(2)

    # The pupil opens the mailed link on a phone and answers.
    body = live_server.mail_to(pupil_email).get_payload(decode=True)
    assert isinstance(body, bytes)
    link = re.search(r"http://127\.0\.0\.1:\d+/q/[\w-]+", body.decode())
    assert link, body
    phone = new_page()
    phone.set_viewport_size({"width": 375, "height": 740})
    visit(phone, link.group(0))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hej Ida!")
    phone.get_by_label(f"Musik {unique}").check()
    phone.get_by_label("1. valg").select_option(label=f"Højere teknisk eksamen {unique}")
    phone.get_by_label("Arabisk").check()
    phone.get_by_label("Hvad vil du gerne snakke med din ambassadør om?").fill("Lektier")
    phone.get_by_label("Ja").check()
    follow(phone, phone.get_by_role("button", name="Gem mine svar"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tak, Ida!")

    # The coordinator sees the answer.
    visit(page, f"/questionnaire/schools/{school.id}/class?name=8.A")
    expect(page.get_by_role("row").filter(has_text="Ida Bæk")).not_to_contain_text("Ikke endnu")
