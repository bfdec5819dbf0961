"""Fixtures for the import tests: the seeded catalogue, a school, its coordinator, the files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mentor.catalogue.seed import seed_catalogues
from mentor.config import Settings
from mentor.models import Organisation, Role, User
from mentor.pupils.importing import service
from tests.factories import make_school
from tests.web import log_in_as

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def catalogue(db: Session) -> None:
    seed_catalogues(db)


@pytest.fixture
def school(db: Session, catalogue: None) -> Organisation:
    return make_school(db, name="Hertug Hans Skole", code="HHS")


@pytest.fixture
def coordinator(client: TestClient, db: Session, school: Organisation) -> User:
    return log_in_as(client, db, Role.COORDINATOR, organisation=school)


@pytest.fixture
def data_file() -> Callable[[str], bytes]:
    return lambda name: (DATA / name).read_bytes()


Preview = Callable[..., service.ImportPreview]


@pytest.fixture
def preview(db: Session, settings: Settings, school: Organisation) -> Preview:
    def run(data: bytes, filename: str = "elever.csv", **kwargs: object) -> service.ImportPreview:
        return service.preview_import(
            db,
            actor=None,
            school_id=kwargs.pop("school_id", school.id),  # type: ignore[arg-type]
            data=data,
            filename=filename,
            settings=settings,
        )

    return run


@pytest.fixture
def commit(db: Session, settings: Settings, school: Organisation) -> Callable[..., object]:
    def run(data: bytes, filename: str = "elever.csv", **kwargs: object) -> service.ImportResult:
        return service.commit_import(
            db,
            actor=None,
            school_id=school.id,
            data=data,
            filename=filename,
            settings=settings,
            **kwargs,  # type: ignore[arg-type]
        )

    return run
