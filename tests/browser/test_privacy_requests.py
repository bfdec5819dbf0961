"""An admin answers a guardian's requests in Chromium: registers a request to see a pupil's data,
opens the page to print, marks it answered; registers an erasure, reads what will go, ticks the
box and erases. axe-core finds nothing on any of the pages, at a phone's width and a desk's."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from mentor.models import Pupil, Role
from tests.browser.conftest import LiveServer, OpenPage, follow, log_in, visit
from tests.factories import make_pupil
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


def _register(page: Page, kind: str, number: int) -> None:
    visit(page, "/admin/privacy")
    form = page.locator("form[action='/admin/privacy']")
    form.get_by_label("Type").select_option(label=kind)
    form.get_by_label("Vedrører").select_option(label="En elev")
    form.get_by_label("Nummer").fill(str(number))
    form.get_by_label("Anmodet af").fill("Moren, på telefon")
    form.get_by_label("Modtaget den").fill("30.11.2026")
    follow(page, form.get_by_role("button", name="Registrér"))


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_an_admin_answers_an_access_and_an_erasure_request(
    new_page: OpenPage, live_server: LiveServer, viewport: ViewportSize
) -> None:
    unique = uuid.uuid4().hex[:6]
    with live_server.session() as db:
        admin = make_user_with_password(db, Role.ADMIN)
        pupil = make_pupil(db, first_name=f"Kanariefugl{unique}", grade=8)
        admin_email, pupil_id = admin.email, pupil.id
    page = new_page(viewport=viewport)
    visit(page, "/login")
    log_in(page, admin_email)

    _register(page, "Indsigt (en kopi af data)", pupil_id)
    main = page.get_by_role("main")
    request_page = page.url
    expect(main).to_contain_text(f"Kanariefugl{unique}")  # the admin sees whom it concerns
    expect(main).to_contain_text("30.12.2026")  # due one month after 30 November
    follow(page, main.get_by_role("link", name="Vis som side til udskrift"))
    expect(page.locator("body")).to_contain_text(f"Kanariefugl{unique}")
    visit(page, request_page)
    follow(page, page.get_by_role("main").get_by_role("button", name="Markér som besvaret"))

    _register(page, "Sletning", pupil_id)
    main = page.get_by_role("main")
    expect(main.get_by_role("table").last).to_contain_text("pupil")
    main.get_by_label("Årsag").fill("Forælderens skriftlige anmodning af 30.11.2026")
    main.get_by_label("Jeg har tjekket, at det er den rigtige elev").check()
    follow(page, main.get_by_role("button", name="Slet elevens data"))
    expect(page.get_by_role("main")).not_to_contain_text(f"Kanariefugl{unique}")

    with live_server.session() as db:
        assert db.get(Pupil, pupil_id) is None
