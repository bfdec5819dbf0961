"""Every page of the meeting and follow-up work, on the demo's lived-in term, for each demo
login: axe-core finds nothing, and nothing is wider than the screen, at a phone's width and at a
desk's.

The journey (test_meeting_journey.py) walks one meeting from proposal to feedback; this visits
the pages it does not reach, filled with the demo's held, logged, flagged, moved and cancelled
meetings, as a newcomer who logs in with the printed demo logins sees them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import ViewportSize, expect

from mentor.demo import DEMO_LOGINS, DEMO_PASSWORD, OTHER_DEMO_LOGINS, load_demo
from mentor.models import Role
from tests.browser.conftest import LiveServer, OpenPage, log_in, running_server, visit
from tests.conftest import SmtpServer

pytestmark = pytest.mark.browser

LOGINS = {login.role: login for login in DEMO_LOGINS}
SECOND = {login.role: login for login in OTHER_DEMO_LOGINS}
PAGES: dict[str, tuple[str, ...]] = {
    LOGINS[Role.AMBASSADOR].email: (
        "/",
        "/ambassador/mentees",
        "/ambassador/meetings",
        "/ambassador/meetings/new",
        "/ambassador/feedback",
        "/ambassador/certificate",
        "/account",
    ),
    LOGINS[Role.COORDINATOR].email: (
        "/",
        "/school/meetings",
        "/school/matches",
        "/school/feedback",
        "/school/certificates",
        "/followup/caseload",
        "/exports",
        "/account",
    ),
    LOGINS[Role.COUNSELLOR].email: (
        "/",
        "/school/meetings",
        "/school/matches",
        "/followup",
        "/followup/queues/unmatched",
        "/followup/queues/flags",
        "/followup/rematch",
        "/followup/caseload",
        "/followup/check-ins",
        "/followup/report",
        "/exports",
        "/account",
    ),
    LOGINS[Role.ADMIN].email: ("/admin/follow-up", "/admin/school-year", "/followup/report"),
    SECOND[Role.COORDINATOR].email: ("/school/meetings",),
    SECOND[Role.AMBASSADOR].email: ("/ambassador/meetings",),
}
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server_session: SmtpServer
) -> Iterator[LiveServer]:
    """The live server of tests/browser/conftest.py, on a database that holds the demo."""
    folder = tmp_path_factory.mktemp("live-demo-term")
    with running_server(folder, smtp_server_session, prepare=load_demo) as server:
        yield server


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
@pytest.mark.parametrize("email", sorted(PAGES))
def test_the_meeting_pages_of_each_demo_login_pass_axe(
    new_page: OpenPage, email: str, viewport: ViewportSize
) -> None:
    page = new_page(viewport=viewport)
    visit(page, "/login")
    log_in(page, email, DEMO_PASSWORD)
    for path in PAGES[email]:
        visit(page, path)
        # Nothing wider than the screen: a wide table scrolls inside its own region.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width} px wide at {viewport['width']}"
    if email == LOGINS[Role.AMBASSADOR].email:
        # The demo's meetings: each one's page, from the ambassador's list.
        visit(page, "/ambassador/meetings")
        links = page.get_by_role("main").locator("a[href^='/meetings/']")
        hrefs = {links.nth(n).get_attribute("href") for n in range(links.count())}
        assert len(hrefs) >= 5
        for href in sorted(h for h in hrefs if h):
            visit(page, href)
        expect(page.get_by_role("main")).to_be_visible()
