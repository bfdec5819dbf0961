"""What every page pays for, worked out once: translations in templates, the menu, the locale.

The cheap versions must say exactly what the per-request ones said.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from jinja2 import DictLoader
from sqlalchemy.orm import Session

from mentor.i18n import LOCALES, using_locale
from mentor.models import Role, User
from mentor.web.menu import menu_for, menu_for_role
from mentor.web.middleware import locale_from_cookie_header
from mentor.web.templating import environment
from tests.web import log_in_as


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("locale", LOCALES)
def test_a_roles_menu_is_what_the_policy_gives_each_of_its_users(role: Role, locale: str) -> None:
    user = User(role=role, is_active=True, email="x@example.org", full_name="X")
    with using_locale(locale):
        expected = [(item.href, str(item.label)) for item in menu_for(user)]
    shown = menu_for_role(role, locale)
    assert [(item.href, item.label) for item in shown.items] == expected
    assert (
        menu_for_role(role, locale, False).items == menu_for_role(Role.ADMIN, locale, False).items
    )


def test_the_current_item_is_the_longest_href_that_starts_the_path() -> None:
    menu = menu_for_role(Role.COUNSELLOR, "da")
    current = menu.current("/pupils/import/preview")
    assert current is not None
    assert current.href == "/pupils/import"
    pupils = menu.current("/pupils/12")
    assert pupils is not None
    assert pupils.href == "/pupils"
    assert menu.current("/pupilsx") is None


def test_template_gettext_escapes_its_variables_and_translates() -> None:
    template = environment().from_string(
        '{{ _("Skip to content") }}|{{ _("%(name)s was saved.", name=name) }}'
        '|{{ ngettext("%(num)s pupil", "%(num)s pupils", count) }}'
    )
    with using_locale("da"):
        rendered = template.render(name="<b>Åse</b>", count=3)
    assert rendered == "Spring til indhold|&lt;b&gt;Åse&lt;/b&gt; blev gemt.|3 elever"
    with using_locale("en"):
        assert template.render(name="Bo", count=1) == "Skip to content|Bo was saved.|1 pupil"


def test_template_gettext_formats_even_without_variables() -> None:
    # Jinja's new-style gettext treats every message as a format string: "%%" is one "%".
    assert environment().from_string('{{ _("100%% done") }}').render() == "100% done"


def test_plain_text_templates_are_not_escaped() -> None:
    source = '{{ _("%(name)s was saved.", name=name) }}'
    overlay = environment().overlay(loader=DictLoader({"mail.txt": source, "page.html": source}))
    with using_locale("en"):
        assert overlay.get_template("mail.txt").render(name="A & B") == "A & B was saved."
        assert overlay.get_template("page.html").render(name="A & B") == "A &amp; B was saved."


def test_the_page_marks_its_menu_item_and_the_menu_follows_the_role(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.ADMIN)
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert '<a href="/admin/users" aria-current="page">Brugere</a>' in page.text
    assert '<a href="/" aria-current="page">' not in page.text
    home = client.get("/")
    assert '<a href="/" aria-current="page">Forside</a>' in home.text
    assert '<a href="/admin/users">Brugere</a>' in home.text


def test_a_counsellor_sees_no_admin_items_in_english_either(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.COUNSELLOR)
    client.cookies.set("mentor_lang", "en", domain="testserver.local")
    page = client.get("/")
    assert '<html lang="en">' in page.text
    assert '<a href="/pupils">Pupils</a>' in page.text
    assert "/admin/users" not in page.text


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("", "da"),
        ("mentor_lang=en", "en"),
        ('mentor_lang="en"', "en"),
        ("a=1; mentor_lang=en; b=2", "en"),
        ("mentor_lang=fr", "da"),
        ("mentor_lang", "da"),
        ('mentor_lang=en; ;;"=', "en"),
        ("\x00\x01 garbage ==", "da"),
    ],
)
def test_the_locale_cookie_is_read_leniently(header: str, locale: str) -> None:
    assert locale_from_cookie_header(header) == locale


def test_a_malformed_cookie_header_still_gets_a_danish_page(client: TestClient) -> None:
    page = client.get("/accessibility", headers={"Cookie": 'mentor_lang="; =;; \\x'})
    assert page.status_code == 200
    assert '<html lang="da">' in page.text
