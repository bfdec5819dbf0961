"""The scan of the run's log (tests/log_scan.py) finds what it is meant to find, and the app's
error log holds none of it."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from mentor.logs import redact_path
from tests.factories import FIRST_NAMES, LAST_NAMES
from tests.log_scan import personal_data_in, record_text


@pytest.mark.parametrize(
    ("line", "kinds"),
    [
        ("mail to anna.hansen.4@haderslev.dk sent", ["e-mail address"]),
        ("GET /q/Xk3vR9_tQm2LpZ8wYb4nC7dF1hJ6sA0eU5iO HTTP/1.1", ["token"]),
        (f"pupil {FIRST_NAMES[0]} {LAST_NAMES[0]} not found", ["name"]),
        ("note held 010203-1234", ["CPR number"]),
        ("mail from noreply@ambassador.local", []),
        ("test_a_crash_that_breaks_its_own_error_page_still_answers", []),
        ("sha256 " + "ab12" * 16, []),
    ],
)
def test_the_scan_finds_each_kind(line: str, kinds: list[str]) -> None:
    assert personal_data_in(line) == kinds


@pytest.mark.parametrize(
    "path",
    [
        "/q/Xk3vR9tQm2",
        "/f/Xk3vR9tQm2",
        "/x/Xk3vR9tQm2",
        "/calendar/Xk3vR9tQm2.ics",
        "/invitation/Xk3vR9tQm2",
        "/password-reset/Xk3vR9tQm2",
        "/certificate/verify/Xk3vR9tQm2",
    ],
)
def test_every_path_with_a_secret_is_redacted(path: str) -> None:
    assert "Xk3vR9tQm2" not in redact_path(path)


def test_a_crash_on_a_link_logs_neither_the_token_nor_the_values_of_its_statement(
    app: FastAPI, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    token = "Xk3vR9_tQm2LpZ8wYb4nC7dF1hJ6sA0eU5iOpq"

    def crash(token: str) -> None:
        with app.state.session_factory() as request_db:
            # A statement that fails, with an address bound to it.
            request_db.execute(
                text("SELECT no_such_column FROM app_user WHERE email = :e"),
                {"e": "anna@haderslev.dk"},
            )

    app.add_api_route("/q/{token}/crash-for-test", crash)
    with (
        caplog.at_level(logging.ERROR),
        TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client,
    ):
        assert client.get(f"/q/{token}/crash-for-test").status_code == 500

    logged = "\n".join(record_text(record) for record in caplog.records)
    assert "unhandled error on GET /q/…/crash-for-test" in logged
    assert token not in logged
    assert "anna@haderslev.dk" not in logged
    assert personal_data_in(logged) == []
