"""No input gives a 5xx: every role's pages, links and forms, with hostile values, cookies and
headers, on the demo municipality; any 5xx or logged error fails with a line naming the request,
and so does a form that took a CPR number into any column of the database.

The figures (requests by status class) are printed; ``pytest -s tests/crawler`` shows them.
"""

from __future__ import annotations

import logging
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.models import Role
from tests.conftest import FakeClock
from tests.crawler.crawl import Crawler
from tests.crawler.data import STARTS, demo_users, public_links
from tests.crawler.hostile import CPR_AS_STORED
from tests.database_scan import columns_holding
from tests.web import sign_in

ROLES: dict[str, Role | None] = {
    "anonymous": None,
    "admin": Role.ADMIN,
    "counsellor": Role.COUNSELLOR,
    "coordinator": Role.COORDINATOR,
    "ambassador": Role.AMBASSADOR,
}


def _client(app: FastAPI) -> TestClient:
    # A 500 is an answer to count, not an exception that ends the crawl.
    return TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )


@pytest.mark.parametrize("role_name", ROLES)
def test_no_input_gives_a_server_error(
    app: FastAPI,
    db: Session,
    clock: FakeClock,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    role_name: str,
) -> None:
    started = time.perf_counter()
    caplog.set_level(logging.ERROR)
    role = ROLES[role_name]
    users = demo_users(db, now=clock.now, settings=settings)
    starts = list(STARTS[role])
    if role is None:
        starts += public_links(db, now=clock.now, settings=settings)
    user = users[role] if role is not None else None

    with _client(app) as client, _client(app) as bare:

        def relogin() -> None:
            assert user is not None
            client.cookies.clear()
            sign_in(client, db, user)

        if user is not None:
            sign_in(client, db, user)
        crawler = Crawler(
            client,
            bare,
            records=lambda: caplog.records,
            today=clock.now.date(),
            relogin=relogin if user is not None else None,
            own_user_id=user.id if user is not None else None,
            cpr_stored=lambda: columns_holding(db, CPR_AS_STORED),
        )
        crawler.crawl(starts)
        crawler.hostile_urls()
        crawler.submit_all()
        crawler.hostile_requests(list(crawler.pages)[:2], post="/language")
        if user is not None:
            # Last, so that the crawl keeps its session until here.
            token = crawler.current_token() or ""
            crawler.send("POST", "/logout", data={"csrf_token": token}, probe="logout")

    report = crawler.report(f"{role_name} ({time.perf_counter() - started:.1f} s)")
    if crawler.sessions_lost:
        report += f"\n  sessions ended by: {crawler.sessions_lost}"
    print(report)
    assert not crawler.failures, report
