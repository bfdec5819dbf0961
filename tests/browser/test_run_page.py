"""The run page in a browser: lock and forbid change their row in place with JavaScript (the
page stays where it is), and without JavaScript the page reloads at the same row."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mentor.db import utcnow
from mentor.models import MatchRun, MatchRunPupil, Role
from tests.browser.conftest import LiveServer, OpenPage, check_accessibility, follow, log_in, visit
from tests.factories import make_ambassador, make_counsellor_school, make_pupil, make_school
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


def _counsellor_with_a_run(page: Page, live_server: LiveServer) -> int:
    """A counsellor with one school of 12 pupils, logged in, who has run matching for it."""
    tag = uuid.uuid4().hex[:8]
    with live_server.session() as db:
        counsellor = make_user_with_password(db, Role.COUNSELLOR, email=f"uu-{tag}@example.dk")
        school = make_school(db, name=f"Skole {tag}")
        make_counsellor_school(db, counsellor_id=counsellor.id, school_id=school.id)
        for _ in range(12):
            make_pupil(db, school_id=school.id, questionnaire_completed_at=utcnow())
        for _ in range(4):
            make_ambassador(db, capacity=2)
        email, school_name = counsellor.email, school.name
    visit(page, "/login")
    log_in(page, email)
    visit(page, "/matching")
    main = page.get_by_role("main")
    main.get_by_role("checkbox", name=school_name).check()
    follow(page, main.get_by_role("button", name="Kør matchning"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Matchkørsel \d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _proposed_pupils(live_server: LiveServer, run_id: int) -> list[int]:
    with live_server.session() as db:
        return list(
            db.scalars(
                select(MatchRunPupil.pupil_id)
                .where(MatchRunPupil.run_id == run_id, MatchRunPupil.ambassador_id.is_not(None))
                .order_by(MatchRunPupil.pupil_id)
            )
        )


def test_lock_changes_its_row_in_place(page: Page, live_server: LiveServer) -> None:
    run_id = _counsellor_with_a_run(page, live_server)
    pupil_id = _proposed_pupils(live_server, run_id)[-1]
    row = page.locator(f"#pupil-{pupil_id}")
    row.scroll_into_view_if_needed()
    box = "element => { const r = element.getBoundingClientRect(); return [r.top, r.height]; }"
    top_before, _height = row.evaluate(box)
    url = page.url
    row.get_by_role("button", name=re.compile(r"^Lås ")).click()
    expect(page.locator(f"#pupil-{pupil_id}").get_by_role("status")).to_have_text(
        "Parret er låst: det bliver i denne forhåndsvisning og i alle kommende kørsler."
    )
    expect(page.locator(f"#pupil-{pupil_id}")).to_contain_text("låst")
    assert page.url == url  # no new page ...
    # ... and no jump: the row stays in view, about where it was on the screen. It may move by
    # what grows around it (the row's notice, the run's summary above it, updated with it), by
    # as much as the browser's scroll anchoring does not make up for: a few lines, never a
    # jump to the top or a reload.
    expect(row).to_be_in_viewport()
    top_after, _height = page.locator(f"#pupil-{pupil_id}").evaluate(box)
    window_height = page.evaluate("window.innerHeight")
    assert abs(top_after - top_before) < window_height / 4
    # The rules further down were brought up to date with the row.
    rules = (
        page.get_by_role("main")
        .get_by_role("table")
        .filter(has=page.get_by_role("columnheader", name="Regel"))
    )
    expect(rules.get_by_role("row").filter(has_text="Låst")).to_have_count(1)
    # Locking the proposed pair keeps the assignment the engine found best; the summary says so.
    expect(page.locator("#run-summary")).to_contain_text("Den bedste samlede fordeling blev fundet")
    check_accessibility(page)
    with live_server.session() as db:
        locked = db.scalars(
            select(MatchRunPupil.locked).where(
                MatchRunPupil.run_id == run_id, MatchRunPupil.pupil_id == pupil_id
            )
        ).one()
        assert locked
        assert db.get_one(MatchRun, run_id).stats is not None


def test_without_javascript_the_page_reloads_at_the_row(
    new_page: OpenPage, live_server: LiveServer
) -> None:
    page = new_page(javascript=False)
    run_id = _counsellor_with_a_run(page, live_server)
    visit(page, f"/matching/runs/{run_id}?status=proposed")
    pupil_id = _proposed_pupils(live_server, run_id)[-1]
    row = page.locator(f"#pupil-{pupil_id}")
    follow(page, row.get_by_role("button", name=re.compile(r"^Forbyd ")))
    assert page.url.endswith(f"/matching/runs/{run_id}?status=proposed#pupil-{pupil_id}")
    expect(page.get_by_role("status").first).to_contain_text("Parret er forbudt")
