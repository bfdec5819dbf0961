"""Settings: only through ``MENTOR_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "change-me-this-is-not-a-secret"  # noqa: S105 - the refused default


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MENTOR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = f"sqlite:///{Path.cwd() / 'ambassador.sqlite3'}"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    base_url: str = "http://127.0.0.1:8000"
    default_locale: str = "da"

    # Serving. Workers: processes of `mentor serve` (several only with PostgreSQL: on SQLite the
    # writers of one process queue for their turn, those of several processes poll for it).
    # The pool (PostgreSQL): connections each worker keeps open, and how many more it may open
    # at a busy moment; workers × (pool size + overflow) must stay below the server's
    # max_connections.
    workers: int = 1
    db_pool_size: int = 5
    db_max_overflow: int = 10
    # Requests at work at once in a worker (mentor.web.admission); the others wait in line.
    # 0: no limit.
    max_concurrent_requests: int = 4

    # Login sessions (seconds). Idle: how long a quiet session lives; absolute: its maximum age.
    session_idle_timeout: int = 2 * 60 * 60
    session_absolute_timeout: int = 12 * 60 * 60
    cookie_secure: bool = True
    # Strict-Transport-Security on responses over https (seconds; 0: not sent).
    hsts_seconds: int = 365 * 24 * 60 * 60
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses or
    # networks, comma-separated ("10.0.0.5,10.1.0.0/16"). Empty: nobody's, so a client cannot
    # claim another address to slip past the limits per address.
    trusted_proxies: str = ""

    # Single-use links (seconds).
    invitation_ttl: int = 7 * 24 * 60 * 60
    password_reset_ttl: int = 60 * 60

    # Pupils' questionnaire links (days until a link stops working).
    questionnaire_link_ttl_days: int = 30

    # Pupil import: limits checked before a file is parsed.
    import_max_bytes: int = 5 * 1024 * 1024
    import_max_rows: int = 20_000

    # Ambassadors: how often the børneattest is checked again (days; no legal expiry, many
    # organisations re-check every one to three years), and public applications per address.
    child_certificate_recheck_days: int = 730
    applications_per_ip_per_hour: int = 5

    # Proposals: days an ambassador has to answer before a proposal expires (a reminder goes
    # out the day before).
    proposal_answer_days: int = 7
    # Matching: days after a counsellor ended a match before the pupil is proposed again.
    rematch_buffer_days: int = 14

    # Login throttling: failed attempts allowed in the window before a pause is asked.
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_failure_window: int = 15 * 60
    # Past its limit, an address waits after each failure: 1 s, doubling, at most this (seconds).
    login_max_address_delay: int = 60
    # Password-reset mails an hour, per e-mail address and per client address.
    password_resets_per_account_per_hour: int = 3
    password_resets_per_ip_per_hour: int = 10

    # Multi-factor login (TOTP): the roles that must use a second factor, comma-separated
    # (MENTOR_MFA_REQUIRED_ROLES=admin,counsellor; empty: no one must, anyone may). An unknown
    # role is refused at start-up, so that a typo cannot switch the second factor off unnoticed.
    mfa_required_roles: str = "admin,counsellor"

    @field_validator("mfa_required_roles")
    @classmethod
    def _known_mfa_roles(cls, value: str) -> str:
        from mentor.models.account import Role  # the models import much; settings load first

        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in set(Role)]
        if unknown:
            raise ValueError(f"MENTOR_MFA_REQUIRED_ROLES: unknown role {', '.join(unknown)}")
        return ",".join(dict.fromkeys(names))

    # Retention (GDPR Art. 5(1)(e)): how long data is kept, per category of the columns'
    # annotations (mentor.db.Retention). Pupil data and the mentoring records about it: months
    # after the end of the pupil's last school year. Ambassadors' and staff accounts (vetting
    # included): months after they left or were disabled. Audit records (ids and actions, no
    # names): years. Login sessions, links and throttling records, and sent e-mail: days.
    retention_pupil_months: int = 12
    retention_account_months: int = 12
    retention_audit_years: int = 5
    retention_security_days: int = 30
    retention_outbox_days: int = 30

    # The municipality's accessibility statement (Tilgængelighedserklæring), made with the Agency
    # for Digital Government's WAS-Tool; the footer of every page links to it. Until it is set,
    # the footer links to the product's own page about accessibility, which says it is missing.
    accessibility_statement_url: str | None = None

    # E-mail. With no SMTP host, mails are written as .eml files to mail_dir.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "Ambassadør <noreply@ambassador.local>"
    mail_dir: Path = Path("var/mail")

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if (
            self.env is Environment.PRODUCTION
            and self.secret_key.get_secret_value() == DEFAULT_SECRET_KEY
        ):
            raise ValueError(
                "MENTOR_SECRET_KEY must be set to a long random value when MENTOR_ENV=production"
            )
        if self.env is Environment.PRODUCTION and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("MENTOR_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
