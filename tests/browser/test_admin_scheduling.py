"""The admin keeps what scheduling reads: the school calendar, meeting topics and a school's hours.

Through the menu, with a mistake fixed on the way; every page passes axe-core.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mentor.models import CalendarEntry, MeetingTopic, Organisation, Role
from tests.browser.conftest import LiveServer, follow, log_in, visit
from tests.factories import make_school
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


def test_admin_keeps_the_calendar_topics_and_school_hours(
    page: Page, live_server: LiveServer
) -> None:
    with live_server.session() as db:
        admin = make_user_with_password(db, Role.ADMIN)
        school = make_school(db, name="Browserskolen")
        school_id = school.id
    visit(page, "/login")
    log_in(page, admin.email)

    # The school calendar: an end before the start is refused next to the field, then fixed.
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Skolekalender"))
    follow(page, page.get_by_role("link", name="Opret periode i kalenderen"))
    main = page.get_by_role("main")
    main.get_by_label("Type").select_option(label="Ferie")
    main.get_by_label("Navn på dansk").fill("Browserferie")
    main.get_by_label("Navn på engelsk").fill("Browser holiday")
    main.get_by_label("Første dag").fill("19.10.2026")
    main.get_by_label("Sidste dag").fill("12.10.2026")
    main.get_by_label("Skole").select_option(label="Browserskolen")
    follow(page, main.get_by_role("button", name="Opret"))
    expect(main.locator("#ends_on-error")).to_have_text("Slutdatoen må ikke ligge før startdatoen.")
    expect(main.get_by_label("Navn på dansk")).to_have_value("Browserferie")
    main.get_by_label("Sidste dag").fill("23.10.2026")
    follow(page, main.get_by_role("button", name="Opret"))
    expect(page.get_by_role("status")).to_contain_text("Browserferie blev oprettet.")
    expect(main.get_by_role("table", name="Skoleåret 2026/27")).to_contain_text("Browserskolen")

    # A meeting topic.
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Mødeemner"))
    follow(page, page.get_by_role("link", name="Opret emne"))
    main.get_by_label("Kode").fill("brobygning")
    main.get_by_label("Betegnelse på dansk").fill("Brobygning")
    main.get_by_label("Betegnelse på engelsk").fill("Bridging courses")
    follow(page, main.get_by_role("button", name="Opret"))
    expect(page.get_by_role("status")).to_contain_text("Brobygning blev oprettet.")

    # The school's hours: closed on Fridays, and meetings stand without confirmation.
    visit(page, f"/admin/organisations/{school_id}")
    friday = main.get_by_role("group", name="Fredag")
    friday.get_by_label("Fra").fill("")
    friday.get_by_label("Til").fill("")
    main.get_by_label("Skolens koordinator bekræfter hvert møde, før det er aftalt").uncheck()
    follow(page, main.get_by_role("button", name="Gem"))
    expect(page.get_by_role("status")).to_contain_text("Browserskolen blev gemt.")

    with live_server.session() as db:
        entry = db.scalars(
            select(CalendarEntry).where(CalendarEntry.name_da == "Browserferie")
        ).one()
        assert (entry.starts_on, entry.ends_on, entry.school_id) == (
            date(2026, 10, 19),
            date(2026, 10, 23),
            school_id,
        )
        assert db.scalars(select(MeetingTopic).where(MeetingTopic.code == "brobygning")).one()
        saved = db.get_one(Organisation, school_id)
        assert [day["weekday"] for day in saved.school_hours] == [0, 1, 2, 3]
        assert saved.meeting_confirmation_required is False
