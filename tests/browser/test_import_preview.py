"""The pupil import's preview in Chromium, at a phone's width and a desk's, with JavaScript on and
off: the names of who is added, updated and missing, the contact-column warning, one choice for
archiving; axe-core finds nothing and nothing is wider than the screen."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy import select

from mentor.models import Pupil, PupilStatus, Role
from tests.browser.conftest import LiveServer, OpenPage, follow, log_in, visit
from tests.factories import make_school
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}
HEADER = "Elevnummer;Fornavn;Efternavn;Klasse;Forælder 2 e-mail"


def _upload(page: Page, lines: list[str]) -> None:
    visit(page, "/pupils/import")
    main = page.get_by_role("main")
    main.locator("input[type=file]").set_input_files(
        {"name": "elever.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}
    )
    follow(page, main.get_by_role("button", name="Vis forhåndsvisning"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_coordinator_reviews_the_names_and_archives_the_missing_pupils_in_one_choice(
    new_page: OpenPage, live_server: LiveServer, viewport: ViewportSize, javascript: bool
) -> None:
    unique = uuid.uuid4().hex[:8]
    with live_server.session() as db:
        school = make_school(db, name=f"Sønderbro Skole {unique}")
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        school_id, email = school.id, coordinator.email
    page = new_page(viewport=viewport, javascript=javascript)
    visit(page, "/login")
    log_in(page, email)
    _upload(page, [HEADER, "A1;Freja;Østergaard;8.A;", "A2;Ahmad;Hansen;8.A;"])
    follow(page, page.get_by_role("main").get_by_role("button", name="Importér 2 elever"))

    _upload(page, [HEADER, "A1;Freja;Østergaard;8.B;far@example.dk", "A3;Noah;Lund;7.C;"])

    main = page.get_by_role("main")
    expect(main.locator("#contact-columns")).to_contain_text("Forælder 2 e-mail")
    expect(main.locator("#creates-caption").locator("..")).to_contain_text("Noah Lund")
    expect(main.locator("#updates-caption").locator("..")).to_contain_text("8.A → 8.B")
    expect(main.locator(".missing-pupils")).to_have_text("Ahmad Hansen, 8.A (A2)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    main.get_by_label("Arkivér eleven ovenfor").check()
    follow(page, main.get_by_role("button", name="Importér 2 elever"))

    with live_server.session() as db:
        pupils = db.scalars(select(Pupil).where(Pupil.school_id == school_id))
        statuses = {pupil.school_ref: pupil.status for pupil in pupils}
    assert statuses == {
        "A1": PupilStatus.ACTIVE,
        "A2": PupilStatus.ARCHIVED,
        "A3": PupilStatus.ACTIVE,
    }
