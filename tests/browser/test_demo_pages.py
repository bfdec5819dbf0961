"""Every page of the meeting and follow-up work, on the demo's lived-in term, for each demo
login: axe-core finds nothing, and nothing is wider than the screen, at a phone's width and at a
desk's. And every page a role can reach — found by following the links of its pages from the home
page, plus the pages behind a form (a matching run, an import preview) and the public ones (the
application, a pupil's questionnaire) — fits a phone's 390 px without scrolling sideways.

The journey (test_meeting_journey.py) walks one meeting from proposal to feedback; this visits
the pages it does not reach, filled with the demo's held, logged, flagged, moved and cancelled
meetings, as a newcomer who logs in with the printed demo logins sees them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlalchemy import select

from mentor.config import PROJECT_ROOT
from mentor.demo import DEMO_LOGINS, DEMO_PASSWORD, OTHER_DEMO_LOGINS, load_demo
from mentor.models import Organisation, Pupil, Role, User
from mentor.questionnaire import service as questionnaire
from mentor.questionnaire.forms import Delivery
from tests.browser.conftest import LiveServer, OpenPage, follow, log_in, running_server, visit
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
    LOGINS[Role.ADMIN].email: (
        "/admin/follow-up",
        "/admin/school-year",
        "/followup/report",
        "/admin/audit",
        "/admin/privacy",
    ),
    SECOND[Role.COORDINATOR].email: ("/school/meetings",),
    SECOND[Role.AMBASSADOR].email: ("/ambassador/meetings",),
}
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}
# Each role's home page on the demo, as the README shows it: written when this is set (e.g.
# `MENTOR_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_demo_pages.py`), so that a test
# run does not change files of the repository.
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = bool(os.environ.get("MENTOR_UPDATE_SCREENSHOTS"))


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
    role = next((login.role for login in DEMO_LOGINS if login.email == email), None)
    if role is not None and UPDATE_SCREENSHOTS:
        visit(page, "/")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = "phone" if viewport is PHONE else "desk"
        page.screenshot(path=SCREENSHOTS / f"{role.value}-{shot}.png", full_page=True)
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


# --- every page a role can reach, at a phone's width ----------------------------------------

# Files and feeds, not pages; and the other language's copy of a page already seen.
NOT_PAGES = re.compile(r"\.(ics|csv|xlsx)$|^/exports/download|^/static/|^/calendar/")
# At most this many different pages a role (a safety net: the demo's roles reach 20–45).
MOST_PAGES = 90


def page_kind(path: str) -> str:
    """One page per kind: /pupils/12 and /pupils/40 are the same page with other data."""
    return "/".join("{}" if re.search(r"\d", part) else part for part in path.split("/"))


# What sticks out past the screen's right edge, to say what to fix: the outermost elements, and
# the text too long to wrap (an e-mail address in a sentence).
STICKING_OUT = """width => {
  const out = (e, right) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
    + " " + Math.round(right) + " px";
  const scrolls = e => e.closest(".table-scroll, .chart-table");
  const elements = Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > width + 1 && !scrolls(e.parentElement))
    .filter(e => e.parentElement === document.body
      || e.parentElement.getBoundingClientRect().right <= width + 1)
    .map(e => out(e, e.getBoundingClientRect().right));
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const right = range.getBoundingClientRect().right;
    if (right > width + 1 && !scrolls(node.parentElement)) {
      const words = node.textContent.trim().slice(0, 40);
      texts.push(out(node.parentElement, right) + " «" + words + "»");
    }
  }
  return [...elements, ...texts].slice(0, 3);
}"""


def too_wide(page: Page) -> str | None:
    """How the page is wider than a phone's screen (its width, what sticks out), else None."""
    width = int(page.evaluate("document.documentElement.scrollWidth"))
    if width <= PHONE["width"]:
        return None
    culprits = page.evaluate(STICKING_OUT, PHONE["width"])
    return f"{width} px: {', '.join(culprits)}"


def crawl(page: Page, server: LiveServer, start: list[str]) -> tuple[list[str], list[str]]:
    """Visit every kind of page reachable by links from ``start`` (checked with axe-core): the
    paths visited, and those wider than a phone."""
    queue, seen = list(start), set()
    visited: list[str] = []
    wide: list[str] = []
    while queue and len(visited) < MOST_PAGES:
        address = queue.pop(0)
        parts = urlsplit(address)
        if parts.netloc and f"{parts.scheme}://{parts.netloc}" != server.url:
            continue
        kind = page_kind(parts.path)
        if kind in seen or NOT_PAGES.search(parts.path) or not parts.path.startswith("/"):
            continue
        seen.add(kind)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        visit(page, target)
        if (width := too_wide(page)) is not None:
            wide.append(f"{target} ({width})")
        visited.append(target)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        queue.extend(href for href in hrefs if href.startswith(server.url))
    assert len(visited) < MOST_PAGES, "more kinds of pages than expected: a crawl gone astray?"
    return visited, wide


def _questionnaire_link(server: LiveServer) -> str:
    """A pupil's questionnaire link of the demo, made as the school's coordinator would."""
    with server.session() as db:
        coordinator = db.scalars(
            select(User).where(User.email == LOGINS[Role.COORDINATOR].email)
        ).one()
        school = db.get_one(Organisation, coordinator.organisation_id)
        pupil = db.scalars(select(Pupil).where(Pupil.school_id == school.id).limit(1)).one()
        [issued] = questionnaire.issue_links(
            db,
            actor=coordinator,
            school=school,
            pupils=[pupil],
            delivery=Delivery.SHEET,
            settings=server.app.state.settings,
        )
    assert issued.url.startswith(server.url)
    return issued.url


def _run_matching(page: Page) -> str | None:
    """The counsellor starts a run with the form's own choices: the run's preview page."""
    visit(page, "/matching")
    form = page.get_by_role("main").locator("form[action='/matching/runs']")
    form.locator("input[type=checkbox][name^='school_']").first.check()  # the scope is the ticks
    follow(page, form.locator("[type=submit]").last)
    assert re.search(r"/matching/runs/\d+", page.url), page.url
    return too_wide(page)


def _import_preview(page: Page) -> str | None:
    """The coordinator uploads the example file: the import's preview page."""
    visit(page, "/pupils/import")
    example = page.request.get("/pupils/import/example.csv")
    assert example.ok
    main = page.get_by_role("main")
    main.locator("input[type=file]").first.set_input_files(
        {"name": "elever.csv", "mimeType": "text/csv", "buffer": example.body()}
    )
    follow(page, main.locator("form:has(input[type=file]) [type=submit]").first)
    return too_wide(page)


ROLES_REACHING = [Role.COORDINATOR, Role.COUNSELLOR, Role.AMBASSADOR, Role.ADMIN]


@pytest.mark.parametrize("role", ROLES_REACHING, ids=[role.value for role in ROLES_REACHING])
def test_no_page_a_role_reaches_scrolls_sideways_on_a_phone(
    new_page: OpenPage, live_server: LiveServer, role: Role
) -> None:
    page = new_page(viewport=PHONE)
    visit(page, "/login")
    log_in(page, LOGINS[role].email, DEMO_PASSWORD)
    behind_forms = {
        Role.COUNSELLOR: ("a matching run's preview", _run_matching),
        Role.COORDINATOR: ("the import preview", _import_preview),
    }
    wide = []
    if role in behind_forms:
        what, reach = behind_forms[role]
        if (width := reach(page)) is not None:
            wide.append(f"{what} ({width})")
    visited, wide_linked = crawl(page, live_server, ["/", *PAGES.get(LOGINS[role].email, ())])
    assert len(visited) >= 5, visited
    assert not wide + wide_linked, f"wider than {PHONE['width']} px: {wide + wide_linked}"


def test_no_public_page_scrolls_sideways_on_a_phone(
    new_page: OpenPage, live_server: LiveServer
) -> None:
    page = new_page(viewport=PHONE)
    start = ["/", "/login", "/apply", "/password-reset", "/accessibility"]
    visited, wide = crawl(page, live_server, [*start, _questionnaire_link(live_server)])
    assert any(path.startswith("/q/") for path in visited)
    assert not wide, f"wider than {PHONE['width']} px: {wide}"
