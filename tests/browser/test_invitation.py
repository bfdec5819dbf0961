"""An admin invites a counsellor, who chooses a password from the e-mailed link and logs in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from email.message import Message

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mentor.models import Role, User
from tests.browser.conftest import LiveServer, check_accessibility, follow, log_in, visit
from tests.factories import make_guidance_unit
from tests.web import make_user_with_password

pytestmark = pytest.mark.browser

NEW_PASSWORD = "fire heste trækker en rød vogn"


def _text_of(message: Message) -> str:
    """The plain-text body of a mail as the recipient reads it (transfer encoding undone)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text part in the mail {message['Subject']!r}")


def test_an_admin_invites_a_counsellor_who_sets_a_password_and_logs_in(
    page: Page, new_page: Callable[[], Page], live_server: LiveServer
) -> None:
    unique = uuid.uuid4().hex[:8]
    email = f"vejleder.{unique}@haderslev.dk"
    with live_server.session() as db:
        admin = make_user_with_password(db, Role.ADMIN)
        unit = make_guidance_unit(db, name=f"Ungeindsatsen {unique}")

    # The admin sends the invitation.
    visit(page, "/login")
    log_in(page, admin.email)
    follow(page, page.get_by_role("navigation").get_by_role("link", name="Brugere"))
    follow(page, page.get_by_role("main").get_by_role("link", name="Invitér en bruger"))
    form = page.get_by_role("main")
    form.get_by_label("E-mailadresse").fill(email)
    form.get_by_label("Fulde navn").fill("Karen Østergaard")
    form.get_by_label("Rolle").select_option(label="Vejleder")
    form.get_by_label("Organisation").select_option(label=f"{unit.name} (Ungeindsats (vejledning))")
    form.get_by_label("E-mailens sprog").select_option("da")
    follow(page, form.get_by_role("button", name="Send invitation"))
    expect(page).to_have_url(f"{live_server.url}/admin/users")
    expect(page.get_by_role("status")).to_contain_text(email)
    invited_row = page.get_by_role("row").filter(has_text=email)
    expect(invited_row).to_contain_text("Karen Østergaard")
    expect(invited_row).to_contain_text("Inviteret")

    # The mail reaches the SMTP server; its link opens in the counsellor's own browser.
    body = _text_of(live_server.mail_to(email))
    links = re.findall(rf"{re.escape(live_server.url)}/invitation/\S+", body)
    assert len(links) == 1, body
    counsellor_page = new_page()
    visit(counsellor_page, links[0])
    expect(counsellor_page.get_by_role("heading", level=1)).to_have_text("Velkommen til Ambassadør")
    counsellor_page.get_by_label("Ny adgangskode").fill(NEW_PASSWORD)
    counsellor_page.get_by_label("Gentag adgangskoden").fill(NEW_PASSWORD)
    follow(counsellor_page, counsellor_page.get_by_role("button", name="Opret konto"))
    expect(counsellor_page).to_have_url(f"{live_server.url}/login")
    expect(counsellor_page.get_by_role("status")).to_contain_text("Din adgangskode er gemt")

    log_in(counsellor_page, email, NEW_PASSWORD)
    expect(counsellor_page).to_have_url(f"{live_server.url}/")
    expect(counsellor_page.get_by_role("heading", level=1)).to_have_text("Vejleder")
    expect(counsellor_page.get_by_role("banner")).to_contain_text("Karen Østergaard")

    # The link worked once.
    response = counsellor_page.goto(links[0])
    assert response is not None
    assert response.status == 400
    check_accessibility(counsellor_page)
    expect(counsellor_page.get_by_role("heading", level=1)).to_have_text(
        "Linket er ikke længere gyldigt"
    )
    with live_server.session() as db:
        counsellor = db.scalars(select(User).where(User.email == email)).one()
        assert counsellor.role is Role.COUNSELLOR
        assert counsellor.organisation_id == unit.id
        assert counsellor.password_hash is not None
