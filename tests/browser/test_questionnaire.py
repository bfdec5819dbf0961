"""The enrolment journey: a coordinator imports a file with errors, commits the good rows and sends
the class the questionnaire; a pupil answers on a phone; the coordinator sees the answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mentor.models import Role
from tests.browser.conftest import LiveServer, follow, log_in, visit
from tests.factories import (
    make_interest,
    make_interest_group,
    make_programme,
    make_school,
)
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser


def test_a_class_is_imported_gets_links_and_a_pupil_answers_on_a_phone(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer, tmp_path: Path
) -> None:
    unique = uuid.uuid4().hex[:8]
    pupil_email = f"elev.{unique}@elev.dk"
    with live_server.session() as db:
        school = make_school(db, name=f"Sønderbro Skole {unique}")
        coordinator = make_user_with_password(db, Role.COORDINATOR, organisation_id=school.id)
        group = make_interest_group(db, label_da=f"Fritid {unique}")
        make_interest(db, group=group, label_da=f"Musik {unique}")
        make_programme(db, name_da=f"Højere teknisk eksamen {unique}")
    export = tmp_path / "elever.csv"
    export.write_bytes(
        "\ufeffElevnummer;Fornavn;Efternavn;Klasse;E-mail\r\n"
        f"A1;Ida;Bæk;8.A;{pupil_email}\r\n"
        "A2;Emil;Østergaard;8.A;\r\n"
        "A3;Mads;;12.B;\r\n".encode()
    )

    # The coordinator uploads the school's file, reads the preview and imports the good rows.
    visit(page, "/login?next=/pupils/import")
    log_in(page, coordinator.email)
    page.locator("input#file").set_input_files(export)
    follow(page, page.get_by_role("button", name="Vis forhåndsvisning"))
    rejected = page.get_by_role("table").filter(has_text="Afviste rækker")
    expect(rejected).to_contain_text("4")  # the line of the bad row
    expect(rejected).to_contain_text("Efternavn")
    follow(page, page.get_by_role("button", name="Importér 2 elever"))
    expect(page.get_by_role("status")).to_contain_text("2 oprettet")

    # ... and sends the questionnaire to class 8.A and sees the sheet.
    visit(page, "/questionnaire")
    expect(page.get_by_role("heading", level=1)).to_contain_text(school.name)
    follow(page, page.get_by_role("link", name="8.A"))
    follow(page, page.get_by_role("button", name="Send på e-mail og vis arket"))
    expect(page.get_by_role("status")).to_contain_text("1 til elever")
    expect(page.locator("svg.qr")).to_have_count(2)

    # The pupil opens the mailed link on a phone and answers.
    body = live_server.mail_to(pupil_email).get_payload(decode=True)
    assert isinstance(body, bytes)
    link = re.search(r"http://127\.0\.0\.1:\d+/q/[\w-]+", body.decode())
    assert link, body
    phone = new_page()
    phone.set_viewport_size({"width": 375, "height": 740})
    visit(phone, link.group(0))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hej Ida!")
    phone.get_by_label(f"Musik {unique}").check()
    phone.get_by_label("1. valg").select_option(label=f"Højere teknisk eksamen {unique}")
    phone.get_by_label("Arabisk").check()
    phone.get_by_label("Hvad vil du gerne snakke med din ambassadør om?").fill("Lektier")
    phone.get_by_label("Ja").check()
    follow(phone, phone.get_by_role("button", name="Gem mine svar"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tak, Ida!")

    # The coordinator sees the answer.
    visit(page, f"/questionnaire/schools/{school.id}/class?name=8.A")
    expect(page.get_by_role("row").filter(has_text="Ida Bæk")).not_to_contain_text("Ikke endnu")
