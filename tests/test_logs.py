"""Tokens of single-use links never reach the access log."""

from __future__ import annotations

import logging
import logging.config

import pytest

from mentor.logs import redact_path, uvicorn_log_config


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/q/abc123XYZ", "/q/…"),
        ("/q/abc123XYZ/thanks", "/q/…/thanks"),
        ("/invitation/tok-en_1?x=1", "/invitation/…?x=1"),
        ("/password-reset/t0k3n", "/password-reset/…"),
        ("/password-reset", "/password-reset"),
        ("/pupils/12", "/pupils/12"),
    ],
)
def test_token_paths_are_redacted(path: str, shown: str) -> None:
    assert redact_path(path) == shown


def test_the_access_log_handler_redacts(caplog: pytest.LogCaptureFixture) -> None:
    logging.config.dictConfig(uvicorn_log_config())
    handler = next(h for h in logging.getLogger("uvicorn.access").handlers)
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/q/secret-token", "1.1", 200),
        None,
    )
    for log_filter in handler.filters:
        assert isinstance(log_filter, logging.Filter)
        log_filter.filter(record)
    assert "secret-token" not in record.getMessage()
    assert "/q/…" in record.getMessage()
