"""The health check and the settings' refusal of a default secret in production."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from mentor.app import create_app
from mentor.config import DEFAULT_SECRET_KEY, Environment, Settings
from mentor.db import make_engine, make_sessionmaker


def test_healthz_answers_ok_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(settings: Settings) -> None:
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    app = create_app(settings, session_factory=make_sessionmaker(unreachable))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="MENTOR_SECRET_KEY"):
        Settings(env=Environment.PRODUCTION, secret_key=DEFAULT_SECRET_KEY)  # type: ignore[arg-type]


def test_production_accepts_a_long_random_secret_key() -> None:
    settings = Settings(env=Environment.PRODUCTION, secret_key="x" * 48)  # type: ignore[arg-type]
    assert settings.env is Environment.PRODUCTION


def test_settings_come_from_mentor_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MENTOR_SESSION_IDLE_TIMEOUT", "60")
    monkeypatch.setenv("MENTOR_COOKIE_SECURE", "false")
    settings = Settings()
    assert settings.session_idle_timeout == 60
    assert settings.cookie_secure is False
