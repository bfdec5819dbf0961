"""The export page in Chromium on the demo: axe-core finds nothing at a phone's width and at a
desk's, on the form and on the form that came back with a message; the download is a file Danish
Excel opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import ViewportSize, expect

from mentor.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from mentor.models import Role
from tests.browser.conftest import (
    LiveServer,
    OpenPage,
    check_accessibility,
    log_in,
    running_server,
    visit,
)
from tests.conftest import SmtpServer

pytestmark = pytest.mark.browser

LOGINS = {login.role: login for login in DEMO_LOGINS}
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server_session: SmtpServer
) -> Iterator[LiveServer]:
    with running_server(
        tmp_path_factory.mktemp("live-exports"), smtp_server_session, prepare=load_demo
    ) as server:
        yield server


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.COORDINATOR])
def test_a_staff_member_downloads_an_export(
    new_page: OpenPage, role: Role, viewport: ViewportSize
) -> None:
    page = new_page(viewport=viewport)
    visit(page, "/login")
    log_in(page, LOGINS[role].email, DEMO_PASSWORD)
    visit(page, "/exports")
    main = page.get_by_role("main")
    main.locator("#dataset").select_option("meetings")
    main.locator("#school").select_option("SBRO")
    main.locator("#format").select_option("csv")

    with page.expect_download() as download:
        main.get_by_role("button", name="Hent").click()

    assert download.value.suggested_filename == "moeder-SBRO.csv"
    path = download.value.path()
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").startswith("Mødenummer;Dato;Fra;Til;")


def test_a_bad_date_comes_back_with_a_message_that_passes_axe(new_page: OpenPage) -> None:
    page = new_page(viewport=PHONE)
    visit(page, "/login")
    log_in(page, LOGINS[Role.COUNSELLOR].email, DEMO_PASSWORD)

    response = page.goto("/exports/download?dataset=pupils&school=SBRO&from=31.02.2026&format=csv")

    assert response is not None
    assert response.status == 422
    check_accessibility(page)
    expect(page.locator("#from-error")).to_have_text("Skriv en dato som 28.11.2026.")
