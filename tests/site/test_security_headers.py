"""Security headers on every response, error pages included; never a traceback."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.models import Role
from tests.web import log_in_as

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def _assert_security_headers(response_headers: dict[str, str], *, page: bool = True) -> None:
    csp = response_headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    for name, value in EXPECTED.items():
        assert response_headers[name] == value
    if page:
        assert response_headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/login", 200), ("/healthz", 200), ("/findes-ikke", 404)],
)
def test_public_pages_and_errors_carry_the_headers(
    client: TestClient, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    _assert_security_headers(dict(response.headers))


def test_logged_in_pages_and_forbidden_pages_carry_the_headers(
    client: TestClient, db: Session
) -> None:
    log_in_as(client, db, Role.AMBASSADOR)
    home = client.get("/")
    forbidden = client.get("/admin/users")
    assert home.status_code == 200
    assert forbidden.status_code == 403
    assert "Du har ikke adgang til denne side." in forbidden.text
    _assert_security_headers(dict(home.headers))
    _assert_security_headers(dict(forbidden.headers))


def test_csrf_refusal_page_carries_the_headers(client: TestClient) -> None:
    response = client.post("/login", data={"email": "a@b.dk", "password": "x"})
    assert response.status_code == 403
    _assert_security_headers(dict(response.headers))


def test_a_crash_is_a_plain_500_page_in_the_users_language(app: FastAPI) -> None:
    def crash() -> None:
        raise RuntimeError("secret detail that must not leak")

    app.add_api_route("/crash-for-test", crash)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        danish = client.get("/crash-for-test")
        client.cookies.set("mentor_lang", "en")
        english = client.get("/crash-for-test")

    assert danish.status_code == english.status_code == 500
    assert "Noget gik galt" in danish.text
    assert "Something went wrong" in english.text
    for response in (danish, english):
        assert "secret detail" not in response.text
        assert "Traceback" not in response.text
        _assert_security_headers(dict(response.headers))


def test_static_files_are_cacheable_but_not_sniffed(client: TestClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in response.headers


def test_templates_escape_whatever_the_file_name(client: TestClient) -> None:
    from mentor.web.templating import environment

    rendered = environment().from_string("{{ value }}").render(value="<script>x</script>")
    assert rendered == "&lt;script&gt;x&lt;/script&gt;"
