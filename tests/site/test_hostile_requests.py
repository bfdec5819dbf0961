"""Requests no page of ours sends: cookies beyond ASCII, a crash that breaks its own error page,
HEAD, https, htmx headers on full pages. Each answer is a page, never a 5xx without headers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.app import create_app
from mentor.config import Settings
from mentor.models import Role
from tests.factories import make_ambassador, make_user
from tests.web import csrf_token, log_in_as

NON_ASCII = "ø€✓".encode()


def _cookie(name: str, value: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"cookie", name.encode() + b"=" + value)]


def test_a_csrf_cookie_or_field_beyond_ascii_is_refused_not_a_crash(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        with_cookie = client.post(
            "/login",
            data={"email": "a@b.dk", "password": "x", "csrf_token": "ø€"},
            headers=_cookie("mentor_csrf", NON_ASCII),
        )
        token = csrf_token(client)
        with_field = client.post(
            "/login", data={"email": "a@b.dk", "password": "x", "csrf_token": token + "ø"}
        )
    for response in (with_cookie, with_field):
        assert response.status_code == 403
        assert "Formularen var udløbet" in response.text


def test_a_flash_cookie_beyond_ascii_is_ignored(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        page = client.get("/login", headers=_cookie("mentor_flash", b"eyJ4Ijox." + NON_ASCII))
    assert page.status_code == 200
    assert "Log ind" in page.text


def test_a_crash_that_breaks_its_own_error_page_still_answers_with_the_headers(
    app: FastAPI,
) -> None:
    def crash(request: Request) -> None:
        # What the error page would write back cannot be written: its drawing fails as well.
        request.state.flash_outgoing = [{"key": object()}]
        raise RuntimeError("secret detail that must not leak")

    app.add_api_route("/crash-for-test", crash)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        response = client.get("/crash-for-test")

    assert response.status_code == 500
    assert "Noget gik galt" in response.text
    assert "Something went wrong" in response.text
    assert "secret detail" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" in response.headers


def test_hsts_over_https_only_and_as_configured(
    app: FastAPI, settings: Settings, db: Session
) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        secure = client.get("/login")
        missing = client.get("/findes-ikke")
    with TestClient(app, base_url="http://testserver") as client:
        plain = client.get("/login")
    off = create_app(
        settings.model_copy(update={"hsts_seconds": 0}),
        session_factory=app.state.session_factory,
    )
    with TestClient(off, base_url="https://testserver") as client:
        switched_off = client.get("/login")

    expected = f"max-age={settings.hsts_seconds}; includeSubDomains"
    assert secure.headers["strict-transport-security"] == expected
    assert missing.headers["strict-transport-security"] == expected
    assert "strict-transport-security" not in plain.headers
    assert "strict-transport-security" not in switched_off.headers


def test_head_is_answered_like_get_without_a_body(client: TestClient, db: Session) -> None:
    public = client.head("/login")
    assert public.status_code == 200
    assert public.content == b""
    assert public.headers["content-type"].startswith("text/html")
    assert client.head("/pupils").status_code == 303  # to the login, as a GET would be

    log_in_as(client, db, Role.COUNSELLOR)
    assert client.head("/").status_code == 200
    assert client.head("/findes-ikke").status_code == 404


def test_htmx_request_for_the_ambassador_list_gets_its_table(
    client: TestClient, db: Session
) -> None:
    make_ambassador(db, user=make_user(db, role=Role.AMBASSADOR, full_name="Freja Htmx"))
    log_in_as(client, db, Role.ADMIN)

    response = client.get(
        "/admin/ambassadors", params={"q": "Freja"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Freja Htmx" in response.text
    assert "<html" not in response.text
