"""The accessibility statement: linked in every page's footer, as the web accessibility act asks."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from mentor.app import create_app
from mentor.config import Settings
from tests.web import post_form

WAS_URL = "https://www.was.digst.dk/ambassador-example-dk"


def test_every_page_links_to_the_products_page_until_the_statement_is_set(
    client: TestClient,
) -> None:
    login = client.get("/login")
    assert '<a href="/accessibility">Tilgængelighedserklæring</a>' in login.text

    page = client.get("/accessibility")
    assert page.status_code == 200
    assert "<h1>Tilgængelighed</h1>" in page.text
    assert "WCAG 2.1 på niveau A og AA" in page.text
    assert "Kommunen har endnu ikke lagt et link til sin tilgængelighedserklæring ind." in page.text
    assert "Log ind" in page.text  # public: a visitor sees the page, not the login form
    assert '<a href="/accessibility">Tilgængelighedserklæring</a>' in page.text


def test_the_page_in_english(client: TestClient) -> None:
    post_form(client, "/language", {"locale": "en", "next": "/accessibility"})
    page = client.get("/accessibility")
    assert "<h1>Accessibility</h1>" in page.text
    assert "The municipality has not yet added a link" in page.text
    assert '<a href="/accessibility">Accessibility statement</a>' in page.text


def test_the_footer_links_to_the_municipalitys_statement_once_it_is_set(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    configured = settings.model_copy(update={"accessibility_statement_url": WAS_URL})
    app = create_app(configured, session_factory=session_factory)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        login = client.get("/login")
        page = client.get("/accessibility")
    assert f'<a href="{WAS_URL}">Tilgængelighedserklæring</a>' in login.text
    assert f'<a href="{WAS_URL}">Læs tilgængelighedserklæringen</a>' in page.text
    assert "endnu ikke" not in page.text
