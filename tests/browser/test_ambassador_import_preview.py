"""The ambassador bulk invitation's preview in Chromium, at a phone's width and a desk's, with
JavaScript on and off: the names of who is invited, who is already known and whose row is
rejected with its problem, the contact-column warning; axe-core finds nothing and nothing is wider
than the screen."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy import select

from mentor.models import Role, User
from tests.browser.conftest import LiveServer, OpenPage, follow, log_in, visit
from tests.factories import make_institution, make_institution_programme, make_programme
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


def _upload(page: Page, lines: list[str]) -> None:
    visit(page, "/admin/ambassadors/import")
    main = page.get_by_role("main")
    main.locator("input[type=file]").set_input_files(
        {"name": "studerende.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode()}
    )
    follow(page, main.get_by_role("button", name="Vis forhåndsvisning"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_an_admin_reviews_by_name_whom_the_file_invites_and_invites_them(
    new_page: OpenPage, live_server: LiveServer, viewport: ViewportSize, javascript: bool
) -> None:
    unique = uuid.uuid4().hex[:8]
    code = f"I{unique}"
    with live_server.session() as db:
        admin = make_user_with_password(db, Role.ADMIN)
        institution = make_institution(db, name=f"Haderslev Katedralskole {unique}", code=code)
        programme = make_programme(db, code=f"P{unique}", name_da=f"Stx {unique}")
        make_institution_programme(db, institution=institution, programme=programme)
        admin_email = admin.email
    page = new_page(viewport=viewport, javascript=javascript)
    visit(page, "/login")
    log_in(page, admin_email)

    _upload(
        page,
        [
            "Navn;E-mail;Institution;Uddannelse;Mobil",
            f"Sara Holm;sara.{unique}@elev.dk;{code};P{unique};20 12 34 56",
            f"Kendt Admin;{admin_email};{code};P{unique};",
            f"Åse Bæk;ikke-en-adresse;{code};P{unique};31 22 11 00",
        ],
    )

    main = page.get_by_role("main")
    expect(main.locator("#contact-columns")).to_contain_text("Mobil")
    expect(main.locator("#invites-caption").locator("..")).to_contain_text("Sara Holm")
    expect(main.locator("#known-caption").locator("..")).to_contain_text("Kendt Admin")
    rejected = main.get_by_role("row").filter(has_text="Åse Bæk")
    expect(rejected).to_contain_text("E-mail")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    follow(page, main.get_by_role("button", name="Invitér 1 elev"))

    with live_server.session() as db:
        invited = db.scalar(select(User).where(User.email == f"sara.{unique}@elev.dk"))
    assert invited is not None
    assert invited.role is Role.AMBASSADOR
