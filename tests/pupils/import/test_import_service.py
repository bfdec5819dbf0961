"""Preview and commit: creates, idempotent re-import, updates, archiving, atomicity, queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import utcnow
from mentor.models import (
    AuditEvent,
    Interest,
    Organisation,
    Programme,
    Pupil,
    PupilInterest,
    PupilProgrammeInterest,
    PupilStatus,
)
from mentor.models.pupil import pupil_sort_name
from mentor.pupils.importing import service
from tests.conftest import QueryCounter
from tests.factories import make_pupil

Run = Callable[..., Any]


def pupils_of(db: Session, school: Organisation) -> dict[str, Pupil]:
    db.expire_all()
    rows = db.scalars(select(Pupil).where(Pupil.school_id == school.id)).all()
    return {pupil.school_ref: pupil for pupil in rows}


def codes_of(db: Session, pupil: Pupil) -> tuple[list[str], list[str]]:
    interests = db.scalars(
        select(Interest.code)
        .join(PupilInterest, PupilInterest.interest_id == Interest.id)
        .where(PupilInterest.pupil_id == pupil.id)
        .order_by(Interest.code)
    ).all()
    programmes = db.scalars(
        select(Programme.code)
        .join(PupilProgrammeInterest, PupilProgrammeInterest.programme_id == Programme.id)
        .where(PupilProgrammeInterest.pupil_id == pupil.id)
        .order_by(PupilProgrammeInterest.rank)
    ).all()
    return list(interests), list(programmes)


def test_commit_writes_every_good_row_with_its_links(
    db: Session, school: Organisation, commit: Run, data_file: Callable[[str], bytes]
) -> None:
    result = commit(data_file("pupils_semicolon_bom_da.csv"))

    assert (result.created, result.updated, result.unchanged, result.rejected) == (5, 0, 0, 0)
    pupils = pupils_of(db, school)
    freja = pupils["E001"]
    assert (freja.first_name, freja.last_name, freja.grade, freja.class_name) == (
        "Freja", "Østergaard", 8, "8.A",
    )  # fmt: skip
    assert freja.guardian_email == "soeren.oestergaard@example.dk"
    assert freja.languages == ["da"]
    assert freja.sort_name == pupil_sort_name("Freja", "Østergaard")
    assert freja.status is PupilStatus.ACTIVE
    assert codes_of(db, freja) == (["football", "music"], ["STX", "EUX"])
    assert pupils["E002"].languages == ["da", "ar"]
    assert codes_of(db, pupils["E002"]) == (["media"], ["HHX"])
    assert pupils["E003"].first_name == "Søren Peter"  # two spaces became one
    assert pupils["E004"].grade == 10  # from the class name 10X
    assert pupils["E004"].last_school_year == service.school_year_end()
    assert pupils["E005"].last_school_year == service.school_year_end() + 2


@pytest.mark.parametrize(
    ("name", "refs"),
    [
        ("pupils_comma_utf8_en.csv", {"S-101", "S-102", "S-103"}),
        ("pupils_windows1252.csv", {"W1", "W2", "W3"}),
        ("pupils.xlsx", {"1001", "1002", "1003"}),
        ("pupils_formulas.csv", {"F1", "F2"}),
    ],
)
def test_each_format_variant_imports(
    db: Session,
    school: Organisation,
    commit: Run,
    data_file: Callable[[str], bytes],
    name: str,
    refs: set[str],
) -> None:
    commit(data_file(name), filename=name)

    assert set(pupils_of(db, school)) == refs


def test_formula_looking_values_are_kept_as_plain_text(
    db: Session, school: Organisation, commit: Run, data_file: Callable[[str], bytes]
) -> None:
    commit(data_file("pupils_formulas.csv"))

    pupils = pupils_of(db, school)
    assert pupils["F1"].first_name == "=1+2"
    assert pupils["F1"].guardian_name == '=HYPERLINK("http://evil.example/x","Klik her")'
    assert pupils["F2"].guardian_name == "=cmd|' /C calc'!A0"


def test_re_importing_the_same_file_changes_nothing_and_says_so(
    db: Session,
    school: Organisation,
    preview: Run,
    commit: Run,
    data_file: Callable[[str], bytes],
) -> None:
    data = data_file("pupils_semicolon_bom_da.csv")
    commit(data)
    before = {ref: p.updated_at for ref, p in pupils_of(db, school).items()}

    again = preview(data)
    result = commit(data)

    assert again.changes_nothing
    assert (len(again.creates), len(again.updates), again.unchanged) == (0, 0, 5)
    assert result.changed_nothing
    assert {ref: p.updated_at for ref, p in pupils_of(db, school).items()} == before


def test_a_changed_file_updates_by_pupil_number_and_lists_the_missing(
    db: Session,
    school: Organisation,
    preview: Run,
    commit: Run,
    data_file: Callable[[str], bytes],
) -> None:
    commit(data_file("pupils_semicolon_bom_da.csv"))
    changed = data_file("pupils_semicolon_bom_da_changed.csv")

    planned = preview(changed)

    assert [rec.school_ref for rec in planned.creates] == ["E006"]
    updates = {u.record.school_ref: u for u in planned.updates}
    assert set(updates) == {"E001", "E005"}
    assert [(str(c.label), c.old, c.new) for c in updates["E001"].changes] == [
        ("Klasse", "8.A", "8.C")
    ]
    assert [p.school_ref for p in planned.missing] == ["E002"]
    assert planned.unchanged == 2

    result = commit(changed)

    pupils = pupils_of(db, school)
    assert (result.created, result.updated, result.archived) == (1, 2, 0)
    assert pupils["E001"].class_name == "8.C"
    assert pupils["E005"].grade == 8
    assert pupils["E005"].last_school_year == service.school_year_end() + 1
    # Missing from the file is not deleted, nor archived unless asked.
    assert pupils["E002"].status is PupilStatus.ACTIVE


def test_missing_pupils_are_archived_only_when_chosen(
    db: Session, school: Organisation, commit: Run, data_file: Callable[[str], bytes]
) -> None:
    commit(data_file("pupils_semicolon_bom_da.csv"))
    other_school_pupil = make_pupil(db)
    e002 = pupils_of(db, school)["E002"]

    result = commit(
        data_file("pupils_semicolon_bom_da_changed.csv"),
        # Ids that are not missing from this file (another school's pupil, one in the file) are
        # ignored whatever a form sends.
        archive_ids={e002.id, other_school_pupil.id, pupils_of(db, school)["E001"].id},
    )

    assert result.archived == 1
    pupils = pupils_of(db, school)
    assert pupils["E002"].status is PupilStatus.ARCHIVED
    assert pupils["E001"].status is PupilStatus.ACTIVE
    db.refresh(other_school_pupil)
    assert other_school_pupil.status is PupilStatus.ACTIVE


def test_an_archived_pupil_in_a_new_file_is_active_again(
    db: Session, school: Organisation, commit: Run, data_file: Callable[[str], bytes]
) -> None:
    data = data_file("pupils_semicolon_bom_da.csv")
    commit(data)
    service.archive_missing(
        db, actor=None, school_id=school.id, pupil_ids=[pupils_of(db, school)["E003"].id]
    )

    result = commit(data)

    assert result.updated == 1
    assert pupils_of(db, school)["E003"].status is PupilStatus.ACTIVE


def test_a_blank_cell_keeps_the_stored_value_and_answers_win_over_the_file(
    db: Session, school: Organisation, commit: Run
) -> None:
    pupil = make_pupil(
        db,
        school=school,
        school_ref="K1",
        grade=8,
        guardian_email="mor@example.dk",
        languages=["so"],
        questionnaire_completed_at=utcnow(),
    )
    data = (
        "Elevnummer;Fornavn;Efternavn;Klassetrin;Forælders e-mail;Sprog\r\n"
        f"K1;{pupil.first_name};{pupil.last_name};8;;dansk\r\n"
    ).encode()

    result = commit(data)

    assert result.changed_nothing
    db.refresh(pupil)
    assert pupil.guardian_email == "mor@example.dk"
    assert pupil.languages == ["so"]  # the pupil's own answer


def test_a_failure_during_commit_leaves_nothing_written(
    db: Session,
    school: Organisation,
    commit: Run,
    data_file: Callable[[str], bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commit(data_file("pupils_semicolon_bom_da.csv"))
    before = {ref: (p.class_name, p.grade) for ref, p in pupils_of(db, school).items()}

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    # Fails after the pupils and their links were sent to the database, before the audit event.
    monkeypatch.setattr(service, "record", broken)
    # The caller's transaction (a savepoint here, the request's in the app) ends in the error.
    with pytest.raises(RuntimeError), db.begin_nested():
        commit(data_file("pupils_semicolon_bom_da_changed.csv"))

    after = {ref: (p.class_name, p.grade) for ref, p in pupils_of(db, school).items()}
    assert after == before


def test_a_commit_writes_one_audit_event_with_the_counts(
    db: Session, school: Organisation, commit: Run, data_file: Callable[[str], bytes]
) -> None:
    commit(data_file("pupils_every_error.csv"))

    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.object_id == str(school.id)
    assert event.details is not None
    assert {k: event.details[k] for k in ("created", "updated", "rejected")} == {
        "created": 1,
        "updated": 0,
        "rejected": 22,
    }


def _file(rows: int, *, grade: int = 8) -> bytes:
    lines = ["Elevnummer;Fornavn;Efternavn;Klassetrin;Interesser;Uddannelsesønsker"]
    lines += [f"Q{n};Freja;Jensen {n};{grade};Fodbold, Musik;STX, EUX" for n in range(rows)]
    return "\r\n".join(lines).encode()


def test_the_number_of_queries_does_not_grow_with_the_rows(
    db: Session,
    settings: Settings,
    school: Organisation,
    query_counter: QueryCounter,
) -> None:
    def queries(rows: int, grade: int) -> tuple[int, int]:
        query_counter.reset()
        service.preview_import(
            db, actor=None, school_id=school.id, data=_file(rows, grade=grade),
            filename="f.csv", settings=settings,
        )  # fmt: skip
        previewed = query_counter.count
        query_counter.reset()
        service.commit_import(
            db, actor=None, school_id=school.id, data=_file(rows, grade=grade),
            filename="f.csv", settings=settings,
        )  # fmt: skip
        return previewed, query_counter.count

    small_create, large_create = queries(10, 8), queries(400, 8)
    # Then all 400 change grade: updates, and their links replaced.
    small_update, large_update = queries(10, 9), queries(400, 9)

    assert small_create[0] == large_create[0] <= 7
    assert small_create[1] == large_create[1] <= 15
    assert small_update[1] == large_update[1] <= 15
    count = select(func.count()).select_from(Pupil).where(Pupil.school_id == school.id)
    assert db.scalar(count) == 400
