"""Two-step verification in a real browser: a counsellor, whose role requires it, sets up an
authenticator app at their first login, logs in with a code, then with a recovery code, and the
same recovery code is refused the second time; new recovery codes take a code from the app.
Every page is checked with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from mentor.db import utcnow
from mentor.models import Role, User
from tests.browser.conftest import LiveServer, ServerClock, follow, log_in, visit
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


@pytest.fixture
def mfa_required(live_server: LiveServer) -> Iterator[None]:
    """The issue's default, MENTOR_MFA_REQUIRED_ROLES=admin,counsellor, for this test only."""
    settings = live_server.app.state.settings
    live_server.app.state.settings = settings.model_copy(
        update={"mfa_required_roles": "admin,counsellor"}
    )
    yield
    live_server.app.state.settings = settings


def _log_out(page: Page, live_server: LiveServer) -> None:
    follow(page, page.get_by_role("banner").get_by_role("button", name="Log ud"))
    expect(page).to_have_url(f"{live_server.url}/login")


def _next_code(server_clock: ServerClock, secret: str) -> str:
    """The app's code 30 seconds on: a code works once, so each login waits for a new one."""
    assert server_clock.now is not None
    server_clock.now += timedelta(seconds=30)
    return pyotp.TOTP(secret).at(server_clock.now)


def test_a_counsellor_sets_up_two_step_verification_and_logs_in_with_it(
    page: Page, live_server: LiveServer, server_clock: ServerClock, mfa_required: None
) -> None:
    with live_server.session() as db:
        counsellor: User = make_user_with_password(db, Role.COUNSELLOR)
    server_clock.now = utcnow()

    # The password is right: the role requires a second factor, so it is set up first.
    visit(page, "/login")
    log_in(page, counsellor.email)
    expect(page).to_have_url(f"{live_server.url}/login/set-up")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Opsæt totrinsbekræftelse")
    expect(main.get_by_role("img", name="QR-kode til din godkendelsesapp")).to_be_visible()
    secret = main.locator("#totp-secret").inner_text().replace(" ", "")
    field = main.get_by_label("Den 6-cifrede kode, appen viser nu")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    field.fill(pyotp.TOTP(secret).at(server_clock.now))
    follow(page, main.get_by_role("button", name="Slå totrinsbekræftelse til"))

    # The recovery codes, shown once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Dine gendannelseskoder")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    follow(page, page.get_by_role("link", name="Jeg har gemt koderne, fortsæt"))
    expect(page.get_by_role("banner")).to_contain_text(counsellor.full_name)

    visit(page, "/account/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine sessioner")
    expect(page.get_by_role("table")).to_contain_text("Denne session")
    _log_out(page, live_server)

    # A code from the app.
    log_in(page, counsellor.email)
    expect(page).to_have_url(f"{live_server.url}/login/code")
    main = page.get_by_role("main")
    main.get_by_label("Kode fra din godkendelsesapp").fill(_next_code(server_clock, secret))
    follow(page, main.get_by_role("button", name="Log ind", exact=True))
    expect(page.get_by_role("status")).to_contain_text(f"Velkommen, {counsellor.full_name}.")
    visit(page, "/account")
    follow(page, page.get_by_role("link", name="Administrér totrinsbekræftelse"))
    expect(page.get_by_role("main")).to_contain_text("Du har 10 ubrugte gendannelseskoder.")
    _log_out(page, live_server)

    # A recovery code, once.
    log_in(page, counsellor.email)
    main = page.get_by_role("main")
    main.get_by_label("Gendannelseskode", exact=True).fill(codes[0])
    follow(page, main.get_by_role("button", name="Log ind med en gendannelseskode"))
    expect(page.get_by_role("banner")).to_contain_text(counsellor.full_name)
    _log_out(page, live_server)

    # The same recovery code again: refused, next to the field.
    log_in(page, counsellor.email)
    main = page.get_by_role("main")
    main.get_by_label("Gendannelseskode", exact=True).fill(codes[0])
    follow(page, main.get_by_role("button", name="Log ind med en gendannelseskode"))
    expect(page).to_have_url(f"{live_server.url}/login/code")
    expect(main.get_by_label("Gendannelseskode", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(main).to_contain_text("Gendannelseskoden er forkert eller allerede brugt.")
    expect(page.get_by_role("button", name="Log ud")).to_have_count(0)

    # New recovery codes take a current code from the app, not the session alone.
    main.get_by_label("Kode fra din godkendelsesapp").fill(_next_code(server_clock, secret))
    follow(page, main.get_by_role("button", name="Log ind", exact=True))
    visit(page, "/account/two-step")
    main = page.get_by_role("main")
    follow(page, main.get_by_role("button", name="Lav nye gendannelseskoder"))
    main = page.get_by_role("main")
    field = main.get_by_label("Kode fra din godkendelsesapp")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill(_next_code(server_clock, secret))
    follow(page, main.get_by_role("button", name="Lav nye gendannelseskoder"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dine gendannelseskoder")
    renewed = page.locator("#recovery-codes code").all_inner_texts()
    assert len(renewed) == 10
    assert not set(renewed) & set(codes)
