"""Browser tests: Playwright drives Debian's Chromium against a live server on a free port.

The server runs the real app on its own SQLite file, built by the real migrations, in a background
thread; its mail goes to the real SMTP server of the test run. A browser test cannot share a
rolled-back transaction with the server, so its data is committed through the app's own session
factory, with unique e-mail addresses so that tests do not collide.

Every page a test reaches is checked with axe-core for WCAG 2.1 A and AA: the tests move through
``visit`` and ``follow`` (navigate, then check), and a test fails if its browser loaded a page that
was never checked, or if a page threw a JavaScript error or broke the Content Security Policy.
A tab opened with JavaScript off (``new_page(javascript=False)``) is checked all the same: axe-core
runs on a copy of the page in a tab of its own, as scripts cannot run in the tab itself.

The server tells the time by ``LiveServer.clock``: the real time, unless a test takes the
``server_clock`` fixture and sets it (put back after the test), so that a journey can move on to
after a meeting instead of waiting for it.

Where Chromium is missing the tests are skipped with the reason; with
``MENTOR_REQUIRE_BROWSER_TESTS=1`` (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any, Protocol

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe, AxeResults
from fastapi import FastAPI
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    Route,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy.orm import Session, sessionmaker

from mentor.app import create_app
from mentor.config import Environment, Settings
from mentor.db import utcnow
from mentor.migrations import upgrade
from tests.conftest import TEST_SECRET, SmtpServer
from tests.web import PASSWORD

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
# axe-core as axe-playwright-python bundles it. Each context adds it to every document as an init
# script (which the app's CSP does not govern) instead of sending 500 kB with every check, and a
# check returns only the violations: together that makes a check about twice as fast.
AXE_SCRIPT = Axe().axe_script
AXE_RUN = (
    "options => axe.run(document, options).then(results => ({violations: results.violations}))"
)
REQUIRE_ENV = "MENTOR_REQUIRE_BROWSER_TESTS"


# --- Chromium, or a clear reason why not -------------------------------------------------------


def _chromium_or_skip() -> str:
    executable = shutil.which("chromium")
    if executable is not None:
        return executable
    reason = (
        "browser tests need Debian's Chromium: `chromium` is not on PATH "
        "(install it with `apt-get install chromium`)"
    )
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    _chromium_or_skip()
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Headless, one browser for the session; Playwright never downloads a browser of its own.
    chromium = playwright.chromium.launch(
        executable_path=_chromium_or_skip(), args=CHROMIUM_FLAGS, headless=True
    )
    yield chromium
    chromium.close()


# --- the live server ---------------------------------------------------------------------------


@dataclass
class ServerClock:
    """The live server's clock (``create_app(clock=...)``): the real time, or ``now`` once a test
    has set it (an aware UTC datetime)."""

    now: datetime | None = None

    def __call__(self) -> datetime:
        return utcnow() if self.now is None else self.now


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    smtp: SmtpServer
    clock: ServerClock

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session of the app's own database, committed at the end of the block."""
        factory: sessionmaker[Session] = self.app.state.session_factory
        with factory(expire_on_commit=False) as db:
            yield db
            db.commit()

    def mail_to(self, address: str, timeout: float = 10.0) -> Message:
        """The mail the app sent to ``address``, waiting for its delivery to the SMTP server."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.smtp.messages):
                if message["To"] == address:
                    return message
            time.sleep(0.05)
        raise AssertionError(f"no mail to {address} within {timeout} s")


def _wait_until_healthy(url: str, thread: threading.Thread, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the live server stopped while starting")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the live server at {url} did not answer /healthz within {timeout} s")


@contextmanager
def running_server(
    folder: Path, smtp: SmtpServer, *, prepare: Callable[[Session], None] | None = None
) -> Iterator[LiveServer]:
    """The app on a fresh SQLite file in ``folder``, served by uvicorn in a thread;
    ``prepare`` fills the database first (and is committed)."""
    database_url = f"sqlite:///{folder / 'browser.sqlite3'}"
    upgrade(database_url)

    # Bind first, then build the settings: the app's links must carry the real port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        _env_file=None,  # a developer's .env must not point the test server elsewhere
        env=Environment.TEST,
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url=url,
        cookie_secure=False,  # plain http on 127.0.0.1
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        mail_dir=folder / "mail",
        # Staff log in with the password alone here, as in `make run`'s demo; the journey of
        # two-step verification (test_mfa_journey.py) turns the requirement on for itself.
        mfa_required_roles="",
    )
    clock = ServerClock()
    app = create_app(settings, clock=clock)
    if prepare is not None:
        with app.state.session_factory() as db:
            prepare(db)
            db.commit()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    try:
        _wait_until_healthy(url, thread)
        yield LiveServer(url=url, app=app, smtp=smtp, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.session_factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server_session: SmtpServer
) -> Iterator[LiveServer]:
    _chromium_or_skip()  # no server either when the tests will be skipped
    with running_server(tmp_path_factory.mktemp("live"), smtp_server_session) as server:
        yield server


@pytest.fixture
def server_clock(live_server: LiveServer) -> Iterator[ServerClock]:
    """The live server's clock, for a test to set and move; the real time again afterwards."""
    yield live_server.clock
    live_server.clock.now = None


# --- pages, each checked with axe-core ---------------------------------------------------------


@dataclass
class _Audit:
    """The pages a browser tab loaded, how many of them were checked, and its script errors."""

    loaded: list[str] = field(default_factory=list)
    checked: int = 0
    errors: list[str] = field(default_factory=list)
    # For a tab with JavaScript off: the tab (with scripts) where axe-core checks its pages.
    checker: Page | None = None

    def unchecked(self) -> list[str]:
        return self.loaded[self.checked :]


_audits: weakref.WeakKeyDictionary[Page, _Audit] = weakref.WeakKeyDictionary()


def check_accessibility(page: Page) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the page as it is now; fail with the report."""
    audit = _audits[page]
    skipped = audit.unchecked()[:-1]
    assert not skipped, f"pages reached without an accessibility check: {skipped}"
    results = _run_axe(page, audit.checker)
    audit.checked = len(audit.loaded)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _run_axe(page: Page, checker: Page | None) -> AxeResults:
    if checker is None:
        return AxeResults(page.evaluate(AXE_RUN, AXE_OPTIONS))
    # axe-core waits on timers, which never fire where scripts are off: it checks a copy of the
    # page instead, at the same address (so the same style sheets load), in the same viewport.
    address, markup = page.url, page.content()

    def serve_copy(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=markup)

    def is_address(url: str) -> bool:
        return url == address

    if page.viewport_size is not None:
        checker.set_viewport_size(page.viewport_size)
    checker.route(is_address, serve_copy)
    try:
        checker.goto(address)
        return AxeResults(checker.evaluate(AXE_RUN, AXE_OPTIONS))
    finally:
        checker.unroute(is_address, serve_copy)


def visit(page: Page, path: str) -> None:
    """Open a page of the live server (a path, or a full URL such as a mailed link); check it."""
    response = page.goto(path)
    assert response is not None
    assert response.ok, f"GET {path} answered {response.status}"
    check_accessibility(page)


def follow(page: Page, target: Locator | Callable[[], Any]) -> None:
    """Click a link or button (or run an action) that loads a new page, then check that page."""
    action = target.click if isinstance(target, Locator) else target
    with page.expect_navigation():
        action()
    check_accessibility(page)


def _note_csp_violation(audit: _Audit, page: Page, message: ConsoleMessage) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        audit.errors.append(f"{page.url}: {message.text}")


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the Danish login form of the page the browser is on."""
    main = page.get_by_role("main")
    main.get_by_label("E-mailadresse").fill(email)
    main.get_by_label("Adgangskode").fill(password)
    follow(page, main.get_by_role("button", name="Log ind"))


class OpenPage(Protocol):
    """What ``new_page`` gives a test: a call that opens a tab in a browser of its own."""

    def __call__(
        self, *, viewport: ViewportSize | None = None, javascript: bool = True
    ) -> Page: ...


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[OpenPage]:
    """Open a tab in a fresh context: no cookies, as in another person's browser; Danish locale;
    optionally in a given viewport (a phone), or with JavaScript off.

    At the end of the test, every page each tab loaded must have been checked, without errors.
    """
    contexts: list[BrowserContext] = []
    audits: list[_Audit] = []

    def new_context(viewport: ViewportSize | None, javascript: bool) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            locale="da-DK",
            viewport=viewport,  # None: Playwright's default, 1280 × 720
            java_script_enabled=javascript,
        )
        context.set_default_timeout(5_000)
        context.add_init_script(script=AXE_SCRIPT)
        contexts.append(context)
        return context

    def open_page(*, viewport: ViewportSize | None = None, javascript: bool = True) -> Page:
        page = new_context(viewport, javascript).new_page()
        audit = _Audit()
        if not javascript:
            audit.checker = new_context(viewport, True).new_page()
        _audits[page] = audit
        audits.append(audit)
        # Runs while Playwright dispatches the load, before a goto or navigation wait returns.
        page.on("load", lambda loaded: audit.loaded.append(loaded.url))
        page.on("pageerror", lambda error: audit.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: _note_csp_violation(audit, page, message))
        return page

    yield open_page
    for context in contexts:
        context.close()
    unchecked = [url for audit in audits for url in audit.unchecked()]
    assert not unchecked, f"pages reached without an accessibility check: {unchecked}"
    errors = [error for audit in audits for error in audit.errors]
    assert not errors, "errors in the browser:\n" + "\n".join(errors)


@pytest.fixture
def page(new_page: OpenPage) -> Page:
    return new_page()
