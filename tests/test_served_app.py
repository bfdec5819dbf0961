"""The app as `mentor serve` serves it, over a real socket: what uvicorn itself adds or believes.

No Server header naming the software; HEAD answered; and X-Forwarded-For believed only from the
proxies MENTOR_TRUSTED_PROXIES names, so a client cannot claim another address to slip past the
limits per address.
"""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import LoginAttempt
from tests.served import start_serving


def _serve(tmp_path: Path, url: str, **environment: str) -> Iterator[int]:
    server, port = start_serving(tmp_path, url, **environment)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    upgrade(url)
    return url


def _request(
    port: int, method: str, path: str, *, body: str = "", headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body or None, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _failed_login_from(port: int, forwarded_for: str) -> None:
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    page.request("GET", "/login")
    response = page.getresponse()
    html = response.read().decode()
    cookie = response.getheader("set-cookie", "").split(";")[0]
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    page.close()
    form = urllib.parse.urlencode({"email": "a@b.dk", "password": "x", "csrf_token": token})
    answer = _request(
        port,
        "POST",
        "/login",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "X-Forwarded-For": forwarded_for,
        },
    )
    assert answer.status == 400


def _recorded_addresses(url: str) -> set[str | None]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as db:
            return set(db.scalars(select(LoginAttempt.ip)))
    finally:
        engine.dispose()


def test_no_server_header_and_head_is_answered(tmp_path: Path, database: str) -> None:
    for port in _serve(tmp_path, database):
        page = _request(port, "GET", "/login")
        head = _request(port, "HEAD", "/login")
    assert page.status == 200
    assert page.getheader("server") is None
    assert head.status == 200
    assert head.getheader("server") is None


def test_forwarded_for_is_not_believed_from_an_unnamed_proxy(tmp_path: Path, database: str) -> None:
    for port in _serve(tmp_path, database):
        _failed_login_from(port, "203.0.113.9")
    assert _recorded_addresses(database) == {"127.0.0.1"}


def test_forwarded_for_is_believed_from_a_named_proxy(tmp_path: Path, database: str) -> None:
    for port in _serve(tmp_path, database, MENTOR_TRUSTED_PROXIES="127.0.0.1"):
        _failed_login_from(port, "203.0.113.9")
    assert _recorded_addresses(database) == {"203.0.113.9"}
