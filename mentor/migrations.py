"""Running the Alembic migrations from code: the CLI, `make run` and the test harness."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from mentor.config import PROJECT_ROOT


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["configure_logger"] = False
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, *, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, *, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)
