"""Logging in and out, the language switch and the skip link, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mentor.accounts.sessions import COOKIE_NAME
from mentor.models import Locale, Role, User
from tests.browser.conftest import LiveServer, check_accessibility, follow, log_in, visit
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


def _user(live_server: LiveServer, role: Role) -> User:
    with live_server.session() as db:
        return make_user_with_password(db, role)


def test_log_in_and_out(page: Page, live_server: LiveServer) -> None:
    user = _user(live_server, Role.COORDINATOR)

    visit(page, "/")
    follow(page, page.get_by_role("main").get_by_role("link", name="Log ind"))
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")
    log_in(page, user.email)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Skolekoordinator")
    expect(page.get_by_role("status")).to_contain_text(f"Velkommen, {user.full_name}.")
    expect(page.get_by_role("banner")).to_contain_text(user.full_name)

    follow(page, page.get_by_role("button", name="Log ud"))
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_role("status")).to_contain_text("Du er logget ud.")
    assert COOKIE_NAME not in {cookie["name"] for cookie in page.context.cookies()}

    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ambassadør")
    expect(page.get_by_role("main").get_by_role("link", name="Log ind")).to_be_visible()
    expect(page.get_by_role("button", name="Log ud")).to_have_count(0)


def test_switch_language_and_back(page: Page, live_server: LiveServer) -> None:
    visit(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", "da")

    follow(page, page.get_by_role("button", name="English"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("status")).to_contain_text("The language is now English.")
    expect(page.get_by_role("main").get_by_role("link", name="Log in")).to_be_visible()

    # Remembered on the next page and after a reload.
    follow(page, page.get_by_role("main").get_by_role("link", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    follow(page, page.reload)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Password")).to_be_visible()

    follow(page, page.get_by_role("button", name="Dansk"))
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")


def test_a_logged_in_users_language_follows_them_to_a_new_browser(
    page: Page, live_server: LiveServer
) -> None:
    user = _user(live_server, Role.COUNSELLOR)
    visit(page, "/login")
    log_in(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vejleder")

    follow(page, page.get_by_role("button", name="English"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Guidance counsellor")
    with live_server.session() as db:
        stored = db.get(User, user.id)
        assert stored is not None
        assert stored.locale is Locale.EN

    # No cookies at all, as on another computer: logging in brings the language back.
    page.context.clear_cookies()
    visit(page, "/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")
    log_in(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Guidance counsellor")


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page) -> None:
    visit(page, "/login")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Spring til indhold")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # visible when focused, hidden otherwise

    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadresse")).to_be_focused()


def test_the_accessibility_check_sees_violations_under_the_apps_csp(page: Page) -> None:
    """Guards the harness: axe is injected despite ``default-src 'self'`` and reports."""
    response = page.goto("/login")
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    check_accessibility(page)
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")

    with pytest.raises(AssertionError, match="label"):
        check_accessibility(page)


def test_the_accessibility_statement_is_one_click_from_any_footer(page: Page) -> None:
    visit(page, "/login")
    follow(
        page, page.get_by_role("contentinfo").get_by_role("link", name="Tilgængelighedserklæring")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilgængelighed")
    expect(page.get_by_text("Kommunen har endnu ikke lagt et link")).to_be_visible()
