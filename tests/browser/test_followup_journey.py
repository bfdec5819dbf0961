"""A counsellor's follow-up in Chromium, on the demo's lived-in term, at a phone's width and at a
desk's: the dashboard → the follow-up flags → the pupil's timeline → the log, where the flag is
resolved with a note → back on the pupil's page the match is closed with a reason → an export is
downloaded. axe-core checks every page on the way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import ViewportSize, expect
from sqlalchemy import select

from mentor.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from mentor.models import CloseReason, Match, MeetingLog, Role
from tests.browser.conftest import LiveServer, OpenPage, follow, log_in, running_server, visit
from tests.conftest import SmtpServer

pytestmark = pytest.mark.browser

COUNSELLOR = next(login for login in DEMO_LOGINS if login.role is Role.COUNSELLOR)
PHONE: ViewportSize = {"width": 390, "height": 844}
DESK: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server_session: SmtpServer
) -> Iterator[LiveServer]:
    """A fresh demo for each run: the journey resolves a flag and closes a match."""
    with running_server(
        tmp_path_factory.mktemp("live-followup"), smtp_server_session, prepare=load_demo
    ) as server:
        yield server


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_counsellor_follows_up_from_the_dashboard_to_an_export(
    new_page: OpenPage, live_server: LiveServer, viewport: ViewportSize
) -> None:
    page = new_page(viewport=viewport)
    main = page.get_by_role("main")
    visit(page, "/login")
    log_in(page, COUNSELLOR.email, DEMO_PASSWORD)

    # 1. The dashboard, then the queue of follow-up flags.
    visit(page, "/followup")
    expect(main.get_by_role("heading", name="Opfølgningsflag")).to_be_visible()
    follow(page, main.get_by_role("link", name="Opfølgningsflag"))
    queue_url = page.url
    rows = main.locator("tbody tr")
    expect(rows.first).to_be_visible()
    pupil_name = rows.first.locator("th a").inner_text()

    # 2. The pupil's timeline.
    follow(page, rows.first.locator("th a"))
    expect(main.get_by_role("heading", name="Tidslinje")).to_be_visible()
    pupil_url = page.url

    # 3. The flag's log, resolved with a note.
    visit(page, queue_url)
    follow(page, main.get_by_role("link", name=f"Se logbogen ({pupil_name})").first)
    log_url = page.url
    main.get_by_label("Hvad der blev gjort").fill("Talt med eleven og familien; ny samtale aftalt.")
    follow(page, main.get_by_role("button", name="Afslut opfølgningen"))
    expect(main).to_contain_text("Talt med eleven og familien")
    meeting_id = int(log_url.rstrip("/").split("/")[-2])
    with live_server.session() as db:
        log = db.scalars(select(MeetingLog).where(MeetingLog.meeting_id == meeting_id)).one()
        assert log.follow_up_resolved_at is not None
        assert log.follow_up_resolution == "Talt med eleven og familien; ny samtale aftalt."

    # 4. Back on the pupil's page: the match is closed with a reason.
    visit(page, pupil_url)
    pupil_id = int(pupil_url.rstrip("/").split("/")[-1])
    form = main.locator(f"form[action^='/pupils/{pupil_id}/matches/']").first
    form.get_by_label("Årsag").select_option(CloseReason.APPLIED.value)
    follow(page, form.get_by_role("button", name="Afslut matchet"))
    with live_server.session() as db:
        closed = db.scalars(
            select(Match).where(Match.pupil_id == pupil_id, Match.close_reason.is_not(None))
        ).all()
        assert [match.close_reason for match in closed] == [CloseReason.APPLIED]

    # 5. An export of the school's meetings.
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Eksport"))
    main.locator("#dataset").select_option("meetings")
    main.locator("#school").select_option("SBRO")
    main.locator("#format").select_option("csv")
    with page.expect_download() as download:
        main.get_by_role("button", name="Hent").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert ";" in content.decode("utf-8-sig").splitlines()[0]
