"""Pupil import benchmark: a 10,000-row file previewed and committed, beside a naive baseline.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--database-url URL]

Builds a fresh database with the real migrations (a temporary SQLite file unless a URL is given,
e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench — it must be empty), seeds the catalogue
and two schools, and times the import service end to end (bytes in, rows written, one commit) and
a naive per-row ORM import of the same rows (one SELECT and one flush per pupil), counting the
statements each sends. The target is preview + commit ≤ 5 s with a statement count that does not
grow per row. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

# Run as a script from anywhere: the project root on the path, as `make` would have it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mentor.catalogue.seed import seed_catalogues
from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import (
    Interest,
    Organisation,
    OrganisationKind,
    Programme,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
)
from mentor.pupils.importing import service
from mentor.pupils.importing.columns import Field, map_header
from mentor.pupils.importing.reading import read_table
from mentor.pupils.importing.validation import validate_rows

T = TypeVar("T")
FIRST = ["Freja", "Emil", "Ida", "Mads", "Åse", "Søren", "Clara", "Bjørn", "Yusuf", "Leila"]
LAST = ["Jensen", "Østergaard", "Bæk", "Ødegård", "Møller", "Hansen", "Al-Hassan", "Skovgård"]
INTERESTS = ["Fodbold", "Musik", "Film, foto og video", "Programmering", "Dyr", "Madlavning"]
PROGRAMMES = ["STX", "HHX", "HTX", "EUX", "EUD-OSP", "FGU"]


def pupil_file(rows: int, *, seed: int = 1, changed: float = 0.0) -> bytes:
    """A semicolon CSV with a BOM, as Danish Excel writes it; ``changed`` re-classes some rows."""
    rng = random.Random(seed)
    change = random.Random(seed + 1)
    lines = [
        "Elevnummer;Fornavn;Efternavn;Klassetrin;Klasse;Fødselsår;Forælder;Forælders e-mail;"
        "Telefon;Sprog;Interesser;Uddannelsesønsker"
    ]
    for n in range(rows):
        grade = rng.choice([7, 8, 9, 10])
        letter = rng.choice("ABCD")
        if change.random() < changed:
            letter = "E"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        interests = ", ".join(rng.sample(INTERESTS, 2))
        programmes = ", ".join(rng.sample(PROGRAMMES, 3))
        lines.append(
            f"E{n:06d};{first};{last};{grade}. klasse;{grade}.{letter};{2027 - grade - 7};"
            f"Forælder {last};forael.{n}@example.dk;20 {n % 100:02d} 34 56;dansk;"
            f"{interests};{programmes}"
        )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


class Counter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.count += 1


@contextmanager
def measured(counter: Counter, label: str, results: list[tuple[str, float, int]]) -> Iterator[None]:
    before = counter.count
    start = time.perf_counter()
    yield
    results.append((label, time.perf_counter() - start, counter.count - before))


def naive_import(db: Session, school: Organisation, data: bytes, settings: Settings) -> None:
    """The baseline: the obvious ORM loop, one pupil at a time."""
    table = read_table(data, filename="f.csv", max_bytes=settings.import_max_bytes, max_rows=10**6)
    header = map_header(table.rows[0].cells, line=table.rows[0].line)
    catalogue = service.load_catalogue(db)
    records, _ = validate_rows(table.rows[1:], header, catalogue, school_year_end=2027)
    assert Field.SCHOOL_REF in header.positions
    for rec in records:
        pupil = db.scalar(
            select(Pupil).where(Pupil.school_id == school.id, Pupil.school_ref == rec.school_ref)
        )
        if pupil is None:
            pupil = Pupil(school_id=school.id, school_ref=rec.school_ref, last_school_year=2027)
            db.add(pupil)
        pupil.first_name, pupil.last_name = rec.first_name, rec.last_name
        pupil.grade, pupil.class_name = rec.grade, rec.class_name
        pupil.birth_year, pupil.guardian_name = rec.birth_year, rec.guardian_name
        pupil.guardian_email, pupil.guardian_phone = rec.guardian_email, rec.guardian_phone
        pupil.languages, pupil.availability = list(rec.languages or []), []
        db.flush()
        for interest_id in rec.interest_ids or ():
            db.add(PupilInterest(pupil_id=pupil.id, interest_id=interest_id))
        for rank, programme_id in enumerate(rec.programme_ids or (), 1):
            db.add(PupilProgrammeInterest(pupil_id=pupil.id, programme_id=programme_id, rank=rank))
        db.flush()


def run(url: str, rows: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    settings = Settings(database_url=url)
    counter = Counter(engine)
    results: list[tuple[str, float, int]] = []
    with factory() as db:
        seed_catalogues(db)
        schools = [
            Organisation(kind=OrganisationKind.PRIMARY_SCHOOL, name=name, code=code)
            for name, code in (("Bench Skole", "BENCH"), ("Naiv Skole", "NAIV"))
        ]
        db.add_all(schools)
        db.commit()
        assert db.scalar(select(Interest.id).limit(1))
        assert db.scalar(select(Programme.id).limit(1))
    school, naive_school = schools
    data = pupil_file(rows)
    changed = pupil_file(rows, changed=0.1)
    print(f"{rows} rows, {len(data) / 1024:.0f} kB, on {engine.dialect.name}")

    def step(label: str, action: Callable[[Session], T]) -> T:
        with factory() as db, measured(counter, label, results):
            value = action(db)
            db.commit()
        return value

    def preview(payload: bytes) -> Callable[[Session], service.ImportPreview]:
        return lambda db: service.preview_import(
            db, actor=None, school_id=school.id, data=payload, filename="f.csv", settings=settings
        )

    def commit(payload: bytes) -> Callable[[Session], service.ImportResult]:
        return lambda db: service.commit_import(
            db, actor=None, school_id=school.id, data=payload, filename="f.csv", settings=settings
        )

    first = step("preview, empty school", preview(data))
    assert len(first.creates) == rows, (len(first.creates), first.rejected[:3])
    step("commit, empty school (all created)", commit(data))
    again = step("preview, same file again", preview(data))
    assert again.changes_nothing
    step("commit, same file again (nothing changes)", commit(data))
    step("preview, 10 % of rows changed", preview(changed))
    result = step("commit, 10 % of rows changed", commit(changed))
    assert 0 < result.updated < rows
    step(
        "baseline: naive per-row ORM import",
        lambda db: naive_import(db, naive_school, data, settings),
    )

    width = max(len(label) for label, _, _ in results)
    print(f"{'step':<{width}}  {'seconds':>8}  {'statements':>10}")
    for label, seconds, statements in results:
        print(f"{label:<{width}}  {seconds:>8.2f}  {statements:>10}")
    total = results[0][1] + results[1][1]
    print(f"preview + commit of {rows} new rows: {total:.2f} s (target ≤ 5 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.rows)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args.rows)


if __name__ == "__main__":
    main()
