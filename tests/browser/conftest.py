"""Browser tests: Playwright drives Debian's Chromium against a live server on a free port.

The server runs the real app on its own SQLite file, built by the real migrations, in a background
thread; its mail goes to the real SMTP server of the test run. A browser test cannot share a
rolled-back transaction with the server, so its data is committed through the app's own session
factory, with unique e-mail addresses so that tests do not collide.

Every page a test reaches is checked with axe-core for WCAG 2.1 A and AA: the tests move through
``visit`` and ``follow`` (navigate, then check), and a test fails if its browser loaded a page that
was never checked, or if a page threw a JavaScript error or broke the Content Security Policy.

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
from email.message import Message
from pathlib import Path
from typing import Any

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
    sync_playwright,
)
from sqlalchemy.orm import Session, sessionmaker

from mentor.app import create_app
from mentor.config import Environment, Settings
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
class LiveServer:
    url: str
    app: FastAPI
    smtp: SmtpServer

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
    )
    app = create_app(settings)
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
        yield LiveServer(url=url, app=app, smtp=smtp)
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


# --- pages, each checked with axe-core ---------------------------------------------------------


@dataclass
class _Audit:
    """The pages a browser tab loaded, how many of them were checked, and its script errors."""

    loaded: list[str] = field(default_factory=list)
    checked: int = 0
    errors: list[str] = field(default_factory=list)

    def unchecked(self) -> list[str]:
        return self.loaded[self.checked :]


_audits: weakref.WeakKeyDictionary[Page, _Audit] = weakref.WeakKeyDictionary()


def check_accessibility(page: Page) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the page as it is now; fail with the report."""
    audit = _audits[page]
    skipped = audit.unchecked()[:-1]
    assert not skipped, f"pages reached without an accessibility check: {skipped}"
    results = AxeResults(page.evaluate(AXE_RUN, AXE_OPTIONS))
    audit.checked = len(audit.loaded)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


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


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[], Page]]:
    """Open a tab in a fresh context: no cookies, as in another person's browser; Danish locale.

    At the end of the test, every page each tab loaded must have been checked, without errors.
    """
    contexts: list[BrowserContext] = []
    audits: list[_Audit] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="da-DK")
        context.set_default_timeout(5_000)
        context.add_init_script(script=AXE_SCRIPT)
        contexts.append(context)
        page = context.new_page()
        audit = _Audit()
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
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()
