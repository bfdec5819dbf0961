"""`mentor check --deploy`: the settings a production server must not run with, one line each.

Run before going live and after each change of the environment; it exits non-zero while any
problem remains, so a deployment script can stop on it.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from mentor.config import DEFAULT_SECRET_KEY, Environment, Settings

MIN_SECRET_LENGTH = 32


def deploy_problems(settings: Settings) -> list[str]:
    """What is unsafe in ``settings`` for a production server; empty when nothing is."""
    problems: list[str] = []
    secret = settings.secret_key.get_secret_value()
    if secret == DEFAULT_SECRET_KEY:
        problems.append("MENTOR_SECRET_KEY is the default: set a long random value")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"MENTOR_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters")
    if settings.env is not Environment.PRODUCTION:
        problems.append(
            f"MENTOR_ENV is {settings.env.value}: set production (no template reloading, "
            "the production checks on)"
        )
    if not settings.cookie_secure:
        problems.append("MENTOR_COOKIE_SECURE is off: cookies would travel over plain http")
    if not settings.base_url.startswith("https://"):
        problems.append(f"MENTOR_BASE_URL is not https: {settings.base_url}")
    if settings.hsts_seconds <= 0:
        problems.append("MENTOR_HSTS_SECONDS is 0: browsers are not told to keep to https")
    if not settings.smtp_host:
        problems.append("MENTOR_SMTP_HOST is not set: mail would only be written to files")
    backend = make_url(settings.database_url).get_backend_name()
    if backend == "sqlite" and settings.workers > 1:
        problems.append(
            f"MENTOR_WORKERS is {settings.workers} on SQLite: serve one worker, or use PostgreSQL"
        )
    return problems
